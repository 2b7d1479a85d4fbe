/**
 * `--rubric lifecycle-lab`: the classic lab. "Capture a TCP connection from
 * its handshake to its four-way close, find the active closer, explain
 * TIME_WAIT." 10 points, all judged on the student's best connection.
 * The same document as JSON is in the README ("Grading a class").
 */
export const lifecycleLab = {
  name: 'lifecycle-lab',
  title: {
    en: 'TCP connection lifecycle: handshake, four-way close, TIME_WAIT',
    zh: 'TCP 连接的生命周期：三次握手、四次挥手、TIME_WAIT',
  },
  os: 'linux',
  connection: 'best',
  criteria: [
    {
      id: 'handshake',
      points: 2,
      description: {
        en: 'The capture holds a TCP connection from its three-way handshake (SYN, SYN+ACK, ACK).',
        zh: '抓包包含一条从三次握手（SYN、SYN+ACK、ACK）开始的 TCP 连接。',
      },
      check: { handshake: 'three-way' },
    },
    {
      id: 'close',
      points: 2,
      description: {
        en: 'That connection closes with FINs from both sides: four waves (or three, when the 2nd and 3rd travel in one FIN+ACK).',
        zh: '该连接由双方的 FIN 正常关闭：四次挥手（第二次和第三次挥手合并为一个 FIN+ACK 时为三次）。',
      },
      check: { close: ['four-way', 'three-way'] },
    },
    {
      id: 'acks',
      points: 1,
      description: {
        en: 'Both FINs are acknowledged in the capture: ack=u+1 from the passive closer and ack=w+1 from the active closer.',
        zh: '两个 FIN 都在抓包中得到确认：被动关闭方的 ack=u+1 和主动关闭方的 ack=w+1。',
      },
      check: { closeAcks: true },
    },
    {
      id: 'active-closer-states',
      points: 2,
      description: {
        en: 'The active closer goes ESTABLISHED → FIN_WAIT_1 → TIME_WAIT (through FIN_WAIT_2 in a four-way close).',
        zh: '主动关闭方的状态为 ESTABLISHED → FIN_WAIT_1 → TIME_WAIT（四次挥手时经过 FIN_WAIT_2）。',
      },
      check: { states: { side: 'active-closer', sequence: ['ESTABLISHED', 'FIN_WAIT_1', 'TIME_WAIT'] } },
    },
    {
      id: 'passive-closer-states',
      points: 1,
      description: {
        en: 'The passive closer goes ESTABLISHED → CLOSE_WAIT → LAST_ACK → CLOSED.',
        zh: '被动关闭方的状态为 ESTABLISHED → CLOSE_WAIT → LAST_ACK → CLOSED。',
      },
      check: { states: { side: 'passive-closer', sequence: ['ESTABLISHED', 'CLOSE_WAIT', 'LAST_ACK', 'CLOSED'] } },
    },
    {
      id: 'time-wait',
      points: 1,
      description: {
        en: 'TIME_WAIT (the 2MSL waiting timer) is entered by the active closer.',
        zh: 'TIME_WAIT（2MSL 等待计时器）由主动关闭方进入。',
      },
      check: { timeWait: 'active-closer' },
    },
    {
      id: 'no-reset',
      points: 1,
      description: {
        en: 'The connection ends without RST.',
        zh: '连接结束时没有 RST。',
      },
      check: { reset: false },
    },
  ],
};
