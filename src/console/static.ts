// The console's one stylesheet, served from /console/static/console.css (the CSP allows styles
// only from the console itself). Focus is always visible; colours keep a 4.5:1 contrast, in the
// light palette and in the dark one the system's setting (prefers-color-scheme) chooses.
export const CONSOLE_CSS = `
:root { color-scheme: light; --ink: #16191f; --muted: #545b64; --line: #d5dbdb; --accent: #0b5fa5;
  --bg: #f2f3f3; --surface: #fff; --field-border: #879596; --ok: #1d6b32; --warn: #8a4b00;
  --error: #b0071b; --on-error: #fff; --error-bg: #fdf1f2; }
@media (prefers-color-scheme: dark) {
  :root { color-scheme: dark; --ink: #e9ebed; --muted: #b4bcc4; --line: #414d5c; --accent: #89bdff;
    --bg: #0f1b2a; --surface: #192534; --field-border: #8d99a8; --ok: #7bd88f; --warn: #f5b657;
    --error: #ff8a94; --on-error: #16191f; --error-bg: #3a1d24; }
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
  background: var(--bg); }
a { color: var(--accent); }
:focus-visible { outline: 3px solid #ff9900; outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; background: var(--surface); padding: .5rem; }
.skip:focus { left: .5rem; }
header { display: flex; flex-wrap: wrap; align-items: center; gap: 1rem; background: #232f3e; color: #fff;
  padding: .5rem 1rem; }
header a { color: #fff; }
.brand { font-weight: 700; font-size: 1.2rem; text-decoration: none; }
nav ul { display: flex; gap: 1rem; list-style: none; margin: 0; padding: 0; }
nav a[aria-current="page"] { font-weight: 700; text-decoration: underline; }
.account { margin-left: auto; display: flex; align-items: center; gap: .75rem; }
main { max-width: 960px; margin: 1rem auto; padding: 0 1rem 2rem; }
main:focus { outline: none; }
h1 { font-size: 1.6rem; }
h2 { font-size: 1.2rem; border-bottom: 1px solid var(--line); padding-bottom: .25rem; }
section { background: var(--surface); border: 1px solid var(--line); border-radius: 6px; padding: .75rem 1rem;
  margin: 1rem 0; }
.card { background: var(--surface); border: 1px solid var(--line); border-radius: 6px; padding: 1rem; max-width: 28rem; }
section .card { border: 0; padding: 0; }
.field { margin: 0 0 .9rem; }
label { display: block; font-weight: 600; margin-bottom: .2rem; }
.hint { margin: 0 0 .2rem; color: var(--muted); font-size: .9rem; }
.field-error { margin: .3rem 0 0; border-left: 3px solid var(--error); padding-left: .5rem; }
.field-error p { margin: 0; font-weight: 600; }
input, select { font: inherit; width: 100%; padding: .4rem .5rem; border: 1px solid var(--field-border); border-radius: 4px;
  color: inherit; background: var(--surface); }
button { font: inherit; padding: .4rem .9rem; border-radius: 4px; border: 1px solid var(--muted); background: var(--surface);
  color: inherit;
  cursor: pointer; }
button[type="submit"] { background: #ec7211; border-color: #ec7211; color: #16191f; font-weight: 600; }
header button[type="submit"] { background: transparent; color: #fff; border-color: #fff; }
form.inline { display: inline; }
.alert { border-left: 6px solid; padding: .6rem .9rem; margin: 1rem 0; background: var(--surface); }
.alert.error { border-color: var(--error); }
.alert.success { border-color: var(--ok); }
.alert.info { border-color: var(--accent); }
.aws-message { display: block; font-family: ui-monospace, monospace; font-size: .9rem; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; }
caption { text-align: left; font-weight: 600; padding: .25rem 0; }
th, td { text-align: left; border-bottom: 1px solid var(--line); padding: .4rem; vertical-align: top; }
code { overflow-wrap: anywhere; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
dt { font-weight: 600; }
dd { margin: 0; }
ul.status { list-style: none; padding: 0; }
ul.status li::before { content: "\\2713  "; color: var(--ok); }
ul.status li.warn::before { content: "!  "; color: var(--warn); font-weight: 700; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); }
figure { margin: .5rem 0; }
details { margin: .5rem 0; }
summary { cursor: pointer; color: var(--accent); }
details.confirm { display: inline-block; }
details.confirm > summary { color: var(--error); }
details.confirm[open] { display: block; border-left: 3px solid var(--error); padding-left: .5rem; }
textarea { font: .9rem/1.4 ui-monospace, monospace; width: 100%; padding: .4rem .5rem; border: 1px solid var(--field-border);
  border-radius: 4px; color: inherit; background: var(--surface); }
pre.code { background: var(--bg); border: 1px solid var(--line); border-radius: 4px; padding: .5rem; overflow-x: auto; font-size: .9rem; }
.card.wide { max-width: none; }
.field.checkbox { display: flex; align-items: center; gap: .5rem; }
.field.checkbox input { width: auto; }
.field.checkbox label { margin: 0; }
fieldset { border: 1px solid var(--line); border-radius: 4px; margin: 0 0 .9rem; padding: .5rem .9rem; }
legend { font-weight: 600; }
nav.subnav ul { flex-wrap: wrap; margin-bottom: 1rem; }
nav.tabs ul { flex-wrap: wrap; gap: 0; margin: 1.5rem 0 0; border-bottom: 1px solid var(--line); }
nav.tabs a { display: inline-block; padding: .5rem 1rem; text-decoration: none; border-bottom: 3px solid transparent; }
nav.tabs a[aria-selected="true"] { border-bottom-color: var(--accent); color: var(--ink); font-weight: 700;
  text-decoration: none; }
.alert.error .position { margin: .3rem 0 0; font-weight: 600; }
.scroll { overflow-x: auto; }
form.filters .filter-fields { display: grid; grid-template-columns: repeat(auto-fit, minmax(13rem, 1fr)); gap: 0 1rem; }
form.filters a { margin-left: 1rem; }
table.events tbody.event > tr:first-child > * { border-bottom: 0; }
table.events tr.record > td { padding-top: 0; }
table.events tr.record details { margin: 0; font-size: .9rem; }
table.events pre { white-space: pre-wrap; overflow-wrap: anywhere; }
table.events th[scope="row"] { font-weight: 400; white-space: nowrap; }
tbody.event.denied, tbody.event.error, tbody.event.failed { background: var(--error-bg); }
tbody.event.denied > tr > :first-child, tbody.event.error > tr > :first-child,
  tbody.event.failed > tr > :first-child { box-shadow: inset 5px 0 var(--error); padding-left: .8rem; }
.outcome { font-weight: 700; color: var(--error); white-space: nowrap; }
.paging a + a { margin-left: 1rem; }
.card.list-controls { max-width: none; display: grid; grid-template-columns: repeat(auto-fit, minmax(9rem, 1fr));
  gap: 0 1rem; align-items: end; }
.card.list-controls button { justify-self: start; margin-bottom: .9rem; }
nav.pager { margin-top: .75rem; }
nav.pager p { margin: 0 0 .25rem; }
.partial { color: var(--warn); font-weight: 600; }
button.danger[type="submit"] { background: var(--error); border-color: var(--error); color: var(--on-error); }
.switched-role { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: .5rem 1rem;
  padding: .4rem 1rem; background: var(--surface); border-bottom: 4px solid var(--line); }
.switched-role p { margin: 0; }
.switched-role .display-name { padding: 0 .4rem; border-radius: 3px; color: #16191f; }
.switched-role.color-red { border-color: #f2b0a9; } .switched-role.color-red .display-name { background: #f2b0a9; }
.switched-role.color-orange { border-color: #fbbf93; } .switched-role.color-orange .display-name { background: #fbbf93; }
.switched-role.color-yellow { border-color: #fad791; } .switched-role.color-yellow .display-name { background: #fad791; }
.switched-role.color-green { border-color: #b7ca9d; } .switched-role.color-green .display-name { background: #b7ca9d; }
.switched-role.color-blue { border-color: #99bce3; } .switched-role.color-blue .display-name { background: #99bce3; }
fieldset.colors { display: flex; flex-wrap: wrap; gap: .25rem 1rem; }
fieldset.colors label { display: inline-flex; align-items: center; gap: .3rem; font-weight: 400; }
fieldset.colors input { width: auto; }
.swatch { display: inline-block; width: 1rem; height: 1rem; border-radius: 2px; border: 1px solid var(--field-border); }
.swatch.color-red { background: #f2b0a9; } .swatch.color-orange { background: #fbbf93; }
.swatch.color-yellow { background: #fad791; } .swatch.color-green { background: #b7ca9d; }
.swatch.color-blue { background: #99bce3; } .swatch.color-none { background: #fff; }
ul.tree, ul.tree ul { list-style: none; padding-left: 1.25rem; margin: .25rem 0; }
ul.tree { padding-left: 0; }
ul.tree li { margin: .2rem 0; }
ul.tree .kind { color: var(--muted); font-size: .85rem; margin-right: .3rem; }
`;
