import Contracts

/// Who is looking at a page: the scope of their token or session, and the session's CSRF token for forms.
struct Viewer: Sendable {
    var scope: Scope
    var csrf: String?
    /// Only administrators see and use action buttons.
    var canAct: Bool { scope == .admin }

    /// The hidden `csrf` input every form a session posts must carry (empty for a bearer token, which needs none).
    var csrfField: String { csrf.map { "<input type=\"hidden\" name=\"csrf\" value=\"\(HTML.escape($0))\">" } ?? "" }

    /// A form that posts to `action` with the CSRF token, showing one button.
    func actionForm(_ action: String, label: String, confirm: String? = nil) -> String {
        guard canAct else { return "" }
        let token = csrf.map { "<input type=\"hidden\" name=\"csrf\" value=\"\(HTML.escape($0))\">" } ?? ""
        let check = confirm.map { " data-confirm=\"\(HTML.escape($0))\"" } ?? ""
        return
            "<form class=\"inline\" method=\"post\" action=\"\(HTML.escape(action))\"\(check)>\(token)<button type=\"submit\">\(HTML.escape(label))</button></form>"
    }
}

/// The page shell: navigation, styles, and the small script that localises times and refreshes on live events.
enum Layout {
    static let sections: [(path: String, title: String)] = [
        ("/", "Overview"), ("/workers", "Workers"), ("/queues", "Queues"), ("/runs", "Runs"), ("/jobs", "Jobs"),
        ("/dead-letters", "Dead letters"), ("/schedules", "Schedules"), ("/users", "Users"), ("/portfolios", "Portfolios"),
        ("/accounts", "Accounts"), ("/accounts/reauth", "Re-auth"), ("/webhooks", "Webhooks"), ("/audit", "Audit"),
    ]

    static func page(title: String, active: String, viewer: Viewer?, live: Bool = true, notice: String? = nil, body: String) -> String {
        let nav = sections.map { section in
            let current = section.path == active ? " aria-current=\"page\"" : ""
            return "<a href=\"\(section.path)\"\(current)>\(HTML.escape(section.title))</a>"
        }.joined(separator: "\n")
        var account = ""
        if let viewer {
            let token = viewer.csrf.map { "<input type=\"hidden\" name=\"csrf\" value=\"\(HTML.escape($0))\">" } ?? ""
            let role = viewer.scope == .admin ? "admin" : viewer.scope == .read ? "read-only" : viewer.scope.rawValue
            account = """
                <span class="who">\(HTML.escape(role))</span><span id="live" class="muted" hidden>● live</span>\
                <form class="inline" method="post" action="/logout">\(token)<button type="submit">Log out</button></form>
                """
        }
        let banner = notice.map { "<p class=\"notice\" role=\"status\">\(HTML.escape($0))</p>" } ?? ""
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(HTML.escape(title)) · psync monitor</title>
            <style>\(style)</style></head>
            <body data-live="\(live && viewer != nil ? "1" : "0")">
            <header><strong>psync monitor</strong><nav>\(nav)</nav><div class="account">\(account)</div></header>
            <main id="main"><h1>\(HTML.escape(title))</h1>\(banner)
            \(body)
            </main>
            <script>\(script)</script>
            </body></html>
            """
    }

    static let style = """
        body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
        header{display:flex;gap:1.5em;align-items:center;padding:.6em 1.2em;background:#1d2330;color:#fff;flex-wrap:wrap}
        header nav a{color:#c9d3e6;margin-right:1em;text-decoration:none}header nav a[aria-current]{color:#fff;font-weight:600}
        .account{margin-left:auto;display:flex;gap:.8em;align-items:center}main{padding:1em 1.5em;max-width:1400px}
        table{border-collapse:collapse;width:100%;background:#fff;margin:.5em 0 1.5em}th,td{text-align:left;padding:.35em .6em;border-bottom:1px solid #e3e6ec;vertical-align:top}
        th{font-weight:600;background:#eef0f4}td.num,th.num{text-align:right}.muted{color:#7a8396}
        .cards{display:flex;gap:1em;flex-wrap:wrap;margin-bottom:1em}.card{background:#fff;border:1px solid #e3e6ec;border-radius:6px;padding:.6em 1em;min-width:9em}
        .card .value{font-size:1.6em;font-weight:600}.badge{padding:.05em .45em;border-radius:4px;font-size:.9em}
        .ok{background:#d8f3e0;color:#17603a}.bad{background:#fbe0e0;color:#8a1c1c}.warn{background:#fff1cc;color:#7a5300}.info{background:#e3ecfb;color:#1f4a8a}
        .bar{display:inline-flex;width:14em;height:.8em;background:#e3e6ec;border-radius:4px;overflow:hidden;vertical-align:middle}
        .bar .ok{background:#2f9e5b}.bar .bad{background:#d64545}.bar-label{margin-left:.5em}
        form.inline{display:inline}button{cursor:pointer}pre{white-space:pre-wrap;word-break:break-all;background:#fff;border:1px solid #e3e6ec;padding:.6em}
        .notice{background:#e3ecfb;padding:.5em .8em;border-radius:4px}.error{background:#fbe0e0;padding:.5em .8em;border-radius:4px}
        svg.chart{background:#fff;border:1px solid #e3e6ec}code{background:#eef0f4;padding:0 .3em;border-radius:3px}
        .field-error{color:#8a1c1c;margin:.2em 0 0}form.edit label{display:block;margin:.6em 0 .2em;font-weight:600}
        .actions{display:flex;gap:.6em;flex-wrap:wrap;margin:.5em 0 1em}.pager{display:flex;gap:1em}
        a.button{padding:.1em .6em;border:1px solid #b8c2d6;border-radius:4px;background:#fff;text-decoration:none;color:inherit}
        form.filters{display:flex;gap:.6em;flex-wrap:wrap;align-items:end;margin-bottom:1em}form.filters label{display:flex;flex-direction:column;font-size:.9em}
        """

    /// Localises `<time>` elements; asks before confirmable actions; refreshes the page's main part when events arrive.
    static let script = """
        (function(){
        function localise(root){root.querySelectorAll('time[datetime]').forEach(function(t){var d=new Date(t.getAttribute('datetime'));
        if(!isNaN(d)){t.title=t.textContent;t.textContent=d.toLocaleString();}});}
        localise(document);
        document.addEventListener('submit',function(e){var m=e.target.getAttribute('data-confirm');if(m&&!confirm(m))e.preventDefault();});
        if(document.body.dataset.live!=='1'||!window.EventSource)return;
        var pending=false,last=0;
        function refresh(){if(pending)return;pending=true;var wait=Math.max(0,1500-(Date.now()-last));
        setTimeout(function(){fetch(location.href,{credentials:'same-origin'}).then(function(r){return r.ok?r.text():null;}).then(function(html){
        pending=false;last=Date.now();if(!html)return;var doc=new DOMParser().parseFromString(html,'text/html');var next=doc.getElementById('main');
        if(next){document.getElementById('main').innerHTML=next.innerHTML;localise(document.getElementById('main'));}}).catch(function(){pending=false;});},wait);}
        function live(){var source=new EventSource('/events');var badge=document.getElementById('live');
        source.onopen=function(){if(badge)badge.hidden=false;};source.onerror=function(){if(badge)badge.hidden=true;};
        source.onmessage=refresh;['job','run','queue','deadletter','account','webhook'].forEach(function(k){source.addEventListener(k,refresh);});}
        window.addEventListener('load',function(){setTimeout(live,500);});
        })();
        """
}
