

/// The UI's styles: system fonts (nothing fetched), readable at a phone's
/// width, dark when the system is.
enum Stylesheet {
    static let text = #"""
        :root { --bg: #ffffff; --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --accent: #0550ae; --chip: #eaeef2;
          --critical: #a40e26; --high: #bc4c00; --medium: #7d4e00; --low: #0a3069; --ok: #116329; --error-bg: #ffebe9;
          color-scheme: light dark; }
        @media (prefers-color-scheme: dark) {
          :root { --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --line: #30363d; --accent: #6cb6ff; --chip: #21262d;
            --critical: #ff7b72; --high: #ffa657; --medium: #e3b341; --low: #79c0ff; --ok: #56d364; --error-bg: #3c1618; }
        }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: var(--bg); color: var(--fg); }
        a { color: var(--accent); }
        a:focus-visible, button:focus-visible, input:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
        code, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 13px; }
        pre { background: var(--chip); padding: 12px; overflow: auto; border-radius: 6px; }
        .skip { position: absolute; left: -9999px; }
        .skip:focus { left: 8px; top: 8px; background: var(--bg); padding: 4px 8px; z-index: 1; }
        .hidden, .offscreen { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
        .top { display: flex; flex-wrap: wrap; gap: 12px 20px; align-items: center; padding: 10px 20px; border-bottom: 1px solid var(--line); }
        .brand { font-weight: 700; font-size: 18px; text-decoration: none; color: var(--fg); }
        .top nav { display: flex; gap: 16px; }
        .search { flex: 1 1 220px; }
        .search input { width: 100%; }
        .signout { display: flex; gap: 8px; align-items: center; }
        main { padding: 16px 20px 48px; max-width: 1200px; margin: 0 auto; }
        h1 { font-size: 24px; margin: 8px 0 16px; word-break: break-all; }
        h2 { font-size: 18px; margin: 28px 0 10px; }
        table { border-collapse: collapse; width: 100%; }
        th, td { text-align: left; padding: 7px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { font-weight: 600; color: var(--muted); }
        td.number { text-align: right; font-variant-numeric: tabular-nums; }
        input, button { font: inherit; color: inherit; background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: 6px 10px; }
        button { cursor: pointer; background: var(--chip); }
        .filter { margin: 0 0 12px; width: min(100%, 360px); }
        .chip { display: inline-block; background: var(--chip); border-radius: 10px; padding: 0 8px; font-size: 13px; }
        .chip.private, .chip.platform { border: 1px solid var(--line); }
        .commands th { white-space: nowrap; }
        .muted { color: var(--muted); }
        .empty { color: var(--muted); }
        .notice { border-left: 4px solid var(--ok); padding: 6px 12px; }
        .error { background: var(--error-bg); padding: 8px 12px; border-radius: 6px; }
        .sev { font-size: 13px; font-weight: 600; white-space: nowrap; }
        .sev-critical { color: var(--critical); } .sev-high { color: var(--high); } .sev-medium { color: var(--medium); }
        .sev-low { color: var(--low); } .sev-none { color: var(--ok); } .sev-unknown { color: var(--muted); }
        .crumbs { color: var(--muted); margin-top: 4px; word-break: break-all; }
        .signin { max-width: 360px; margin: 40px auto; }
        .signin form, form.inline { display: flex; flex-direction: column; gap: 8px; }
        form.inline { flex-direction: row; flex-wrap: wrap; align-items: center; }
        meter { margin-left: 8px; vertical-align: middle; }
        button.copy { padding: 1px 8px; font-size: 12px; margin-left: 6px; }
        .tabs { display: flex; gap: 4px 18px; flex-wrap: wrap; border-bottom: 1px solid var(--line); margin-bottom: 8px; }
        .tabs a { padding: 6px 2px; text-decoration: none; }
        .tabs a[aria-current="page"] { border-bottom: 3px solid var(--accent); font-weight: 600; }
        .issued { border: 2px solid var(--ok); border-radius: 6px; padding: 4px 16px; }
        fieldset { border: 1px solid var(--line); border-radius: 6px; }
        select { font: inherit; color: inherit; background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: 5px 8px; }
        .results, .history { padding-left: 20px; }
        form.delete { display: inline-block; margin: 0 6px 6px 0; }
        button.danger { color: var(--critical); border-color: var(--critical); }
        .config th { width: 180px; }
        @media (max-width: 640px) {
          main { padding: 12px; }
          table, thead, tbody, tr, th, td { display: block; }
          thead { position: absolute; left: -9999px; }
          tr { border-bottom: 1px solid var(--line); padding: 6px 0; }
          td { border: 0; padding: 2px 0; }
          td.number { text-align: left; }
        }
        """#
}
