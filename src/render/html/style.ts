/**
 * The HTML reports' style sheet. The connection table has a fixed layout
 * with set column widths and wraps long cells (IPv6 addresses anywhere), so
 * it fits a 1280-pixel window whatever the data; the ladder dialog is at
 * most the window's width and its SVG scales down with it.
 */
export const CSS = `
:root{--fg:#1d2430;--muted:#5f6b7a;--line:#d5dbe3;--bg:#fff;--syn:#1a7f37;--fin:#b35900;--rst:#c62828;--data:#1f4fa3;--ack:#6b7785;--retx:#a21caf;--tw:#f0b429}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI","Noto Sans","Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;color:var(--fg);background:var(--bg);margin:0 auto;padding:12px 16px;max-width:1600px}
h1{font-size:22px;margin:4px 0}h2{font-size:18px;margin:16px 0 8px}h3{font-size:16px;margin:0 0 6px}
h3 small,#conn-title small{color:var(--muted);font-weight:normal;margin-left:8px;font-size:13px}
.settings,.hint,footer,.count{color:var(--muted);font-size:12px}
code{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{border:1px solid var(--line);padding:3px 5px;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{overflow-wrap:normal}
#connections{table-layout:fixed}
#connections th{background:#f3f5f8;cursor:pointer;user-select:none;position:sticky;top:0;font-weight:600;font-size:12px}
#connections th.asc::after{content:" ▲"}#connections th.desc::after{content:" ▼"}
#connections th.num,#connections td.col-stream,#connections td.col-finRetx{text-align:right}
#connections tbody tr{cursor:pointer}
#connections tbody tr.r td{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
#connections tbody tr.spacer td{padding:0;border:0}
#connections tbody tr:hover,#connections tbody tr:focus{background:#eef4ff;outline:none}
#connections tbody tr.nodiagram{cursor:default}
#connections th[data-col="-1"]{width:9%}
#connections th.col-stream{width:5.5%}
#connections th.col-client,#connections th.col-server{width:10.5%}
#connections th.col-handshake,#connections th.col-close{width:7%}
#connections th.col-activeCloser{width:6%}
#connections th.col-finalStates{width:10%}
#connections th.col-timeWait{width:13%}
#connections th.col-finRetx{width:5%}
#connections th.col-halfClose{width:6%}
#connections th.col-reset{width:9%}
#connections th.col-notes{width:10.5%}
#connections td.col-client,#connections td.col-server,#connections td.col-finalStates{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
tr.v-cut-short .col-timeWait{color:var(--rst);font-weight:600}
tr.v-full .col-timeWait{color:var(--syn);font-weight:600}
tr.v-inconclusive .col-timeWait{color:#8a6100}
.controls{display:flex;flex-wrap:wrap;gap:4px 12px;align-items:baseline}
.controls input{padding:4px 6px;width:34em;max-width:100%;font:13px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.controls input[aria-invalid]{border-color:var(--rst);outline-color:var(--rst)}
.error{color:var(--rst);font-size:13px;margin:4px 0}
dialog#conn{width:min(1220px,96vw);max-height:94vh;padding:12px 16px;border:1px solid var(--line);border-radius:6px}
dialog#conn::backdrop{background:rgba(20,30,40,.35)}
.dialog-head{display:flex;justify-content:space-between;align-items:baseline;gap:12px;position:sticky;top:-12px;background:#fff;padding:4px 0}
.dialog-head button{font-size:13px}
.diagram{overflow-x:auto}
svg.ladder{display:block;max-width:100%;height:auto;background:#fff}
svg .life{stroke:#333;stroke-width:1.5}
svg .who{font-weight:700;font-size:15px}svg .addr,svg .colhead{font-size:12px;fill:var(--muted)}
svg .state{font:600 12px ui-monospace,Menlo,Consolas,monospace;fill:#0b5a7a}svg .st-tw{fill:#8a5a00}
svg .when{font:11px ui-monospace,Menlo,Consolas,monospace;fill:var(--muted)}
svg .label{font:12px ui-monospace,Menlo,Consolas,monospace;fill:var(--fg)}
svg .note{font-size:11.5px;fill:#7a4d00}
svg .nums{font:10px ui-monospace,Menlo,Consolas,monospace;fill:var(--muted)}
svg .foldband{fill:#f1f3f6;stroke:#b8c0cc;stroke-dasharray:4 3}svg .foldlabel{font-size:12px;fill:var(--muted)}
svg .twnote{font-size:12px;fill:#7a4d00}
svg .arrow{stroke-width:1.8}
svg .k-syn .arrow{stroke:var(--syn)}svg .head-syn{fill:var(--syn)}
svg .k-fin .arrow{stroke:var(--fin);stroke-width:2.4}svg .head-fin{fill:var(--fin)}
svg .k-rst .arrow{stroke:var(--rst);stroke-width:2.4}svg .head-rst{fill:var(--rst)}
svg .k-data .arrow{stroke:var(--data)}svg .head-data{fill:var(--data)}
svg .k-ack .arrow{stroke:var(--ack)}svg .head-ack{fill:var(--ack)}
svg .k-retx .arrow{stroke:var(--retx);stroke-dasharray:6 4;stroke-width:2.4}svg .head-retx{fill:var(--retx)}
svg .k-retx .label{fill:var(--retx)}
svg .seg:hover .arrow{stroke-width:3.5}
svg .tw{fill:var(--tw);opacity:.55}svg .tw-cut-short{fill:var(--rst);opacity:.45}svg .tw-full{fill:var(--syn);opacity:.45}
.segments tr.retx td{color:var(--retx)}.segments tr.fold td{color:var(--muted);font-style:italic}
.endnotes{margin:6px 0;padding-left:20px}
.warn,.nodiagram{color:var(--rst)}
details{margin:6px 0 0}
.student{border-top:2px solid var(--line);margin-top:20px;padding-top:10px}
.student pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f7f9fc;padding:8px;border:1px solid var(--line);font:12px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.marks td.pass{color:var(--syn);font-weight:600}.marks td.fail{color:var(--rst);font-weight:600}
#gradebook td.num,#gradebook th.num{text-align:right}
`;
