/**
 * `--rubric timewait-lab`: TIME_WAIT and port reuse. "Close a connection,
 * reconnect at once from the same client port (SO_REUSEADDR), and show what
 * happened to TIME_WAIT." 10 points. Linux's 60 s TIME_WAIT (`os: linux`).
 */
export const timewaitLab = {
  name: 'timewait-lab',
  title: {
    en: 'TIME_WAIT and port reuse',
    zh: 'TIME_WAIT 与端口复用',
  },
  os: 'linux',
  connection: 'best',
  criteria: [
    {
      id: 'handshake',
      points: 1,
      description: {
        en: 'The capture holds a TCP connection from its three-way handshake.',
        zh: '抓包包含一条从三次握手开始的 TCP 连接。',
      },
      check: { handshake: 'three-way' },
    },
    {
      id: 'close',
      points: 2,
      description: {
        en: 'That connection is closed with FINs (four-way, three-way or simultaneous close), not reset.',
        zh: '该连接通过 FIN 关闭（四次挥手、三次挥手或同时关闭），而不是被 RST 复位。',
      },
      check: { close: ['four-way', 'three-way', 'simultaneous'] },
    },
    {
      id: 'time-wait',
      points: 2,
      description: {
        en: 'The active closer enters TIME_WAIT.',
        zh: '主动关闭方进入 TIME_WAIT。',
      },
      check: { timeWait: 'active-closer' },
    },
    {
      id: 'time-wait-end',
      points: 2,
      description: {
        en: 'The capture shows how TIME_WAIT ended: cut short by a reuse of the 4-tuple (or a RST), or 2MSL of silence; not just the end of the capture.',
        zh: '抓包显示 TIME_WAIT 如何结束：被复用四元组（或 RST）提前结束，或者 2MSL 内没有报文；而不只是抓包结束。',
      },
      check: { timeWaitVerdict: ['cut-short', 'full'] },
    },
    {
      id: 'reuse',
      points: 3,
      description: {
        en: 'A new connection reuses the same 4-tuple (same client port) while the old one was still held.',
        zh: '新连接复用了同一个四元组（相同的客户端端口），而旧连接仍处于等待中。',
      },
      connection: 'any',
      check: { reuse: true },
    },
  ],
};
