/// The dashboard's Mustache templates, compiled into the binary so an installed `borg-server` needs no
/// files beside it. `{{…}}` escapes HTML; `{{{…}}}` is used only for HTML built by ``Dashboard`` itself
/// (the page body, charts).
enum DashboardTemplates {
    static let layout = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        {{#refresh}}<meta http-equiv="refresh" content="{{seconds}}">{{/refresh}}
        <title>{{title}} · Borg</title>
        <style>
        body { font: 15px/1.45 system-ui, sans-serif; margin: 0; color: #1f2328; background: #f6f8fa; }
        header { background: #0d1117; padding: 10px 24px; }
        header a { color: #e6edf3; margin-right: 18px; text-decoration: none; font-weight: 600; }
        main { max-width: 1040px; margin: 0 auto; padding: 8px 24px 32px; }
        h1 { font-size: 26px; margin: 18px 0 12px; } h2 { font-size: 18px; margin: 26px 0 8px; }
        table { border-collapse: collapse; width: 100%; background: #fff; }
        th, td { text-align: left; padding: 5px 10px; border-bottom: 1px solid #d8dee4; }
        td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
        .tiles { display: flex; flex-wrap: wrap; gap: 12px; }
        .tile { background: #fff; border: 1px solid #d8dee4; border-radius: 6px; padding: 10px 16px; min-width: 130px; }
        .tile b { display: block; font-size: 22px; }
        .chart { width: 100%; max-width: 640px; background: #fff; border: 1px solid #d8dee4; border-radius: 6px; }
        progress { width: 140px; }
        .bad { color: #cf222e; } .good { color: #1a7f37; }
        footer { color: #57606a; font-size: 13px; text-align: center; padding: 16px; }
        </style>
        </head>
        <body>
        <header><nav><a href="/">Grid</a><a href="/batches">Batches</a><a href="/donors">Donors</a><a href="/hosts">Hosts</a><a href="/teams">Teams</a></nav></header>
        <main>
        <h1>{{title}}</h1>
        {{{body}}}
        </main>
        <footer>Served by {{servedBy}} · <a href="/v1/openapi.json">API</a></footer>
        </body>
        </html>
        """

    /// A donor's or host's contribution tiles (``ContributionTiles``).
    static let contributionTiles = """
        {{#contribution}}
        <div class="tile"><b>{{credit}}</b>total credit</div>
        <div class="tile"><b>{{rac}}</b>recent average credit</div>
        <div class="tile"><b>{{valid}}</b>valid tasks</div>
        <div class="tile"><b>{{invalid}}</b>invalid</div>
        <div class="tile"><b>{{errors}}</b>errors</div>
        <div class="tile"><b>{{inProgress}}</b>running</div>
        <div class="tile"><b>{{cpuHours}}</b>CPU hours</div>
        {{/contribution}}
        """

    /// The rows of a batch table (shared by the grid, batch list and project pages).
    static let batchRows = """
        <table>
        <thead><tr><th>Batch</th><th>Project</th><th>State</th><th>Progress</th><th class="n">Done</th><th class="n">Failed</th><th class="n">Work units</th><th>Time left</th></tr></thead>
        <tbody>
        {{#batches}}
        <tr><td><a href="{{link}}">{{id}}</a></td><td><a href="{{project.href}}">{{project.text}}</a></td><td>{{state}}</td>
        <td><progress max="{{totalCount}}" value="{{finishedCount}}">{{percent}}</progress> {{percent}}</td>
        <td class="n">{{completed}}</td><td class="n{{#hasFailures}} bad{{/hasFailures}}">{{failed}}</td><td class="n">{{workUnits}}</td><td>{{eta}}</td></tr>
        {{/batches}}
        </tbody>
        </table>
        """

    static let pages: [String: String] = [
        "message": """
            <p>{{message}}</p>
            <p><a href="/">Back to the grid</a></p>
            """,
        "grid": """
            <div class="tiles">
            <div class="tile"><b>{{hostsOnline}}</b>hosts online of {{hosts}}</div>
            <div class="tile"><b>{{donors}}</b>donors</div>
            <div class="tile"><b>{{power}}</b>computing power</div>
            <div class="tile"><b>{{tasksPerSecond}}</b>tasks per second</div>
            </div>
            <h2>Coordinators</h2>
            <table><tbody>
            {{#coordinators}}<tr><td>{{url}}</td><td>{{role}}</td></tr>{{/coordinators}}
            </tbody></table>
            <h2>Batches running</h2>
            {{#hasBatches}}{{> batch-rows}}{{/hasBatches}}{{^hasBatches}}<p>No batch is running.</p>{{/hasBatches}}
            {{#storage}}
            <h2>Storage</h2>
            <div class="tiles">
            <div class="tile"><b>{{hostsOnline}}</b>storage hosts online</div>
            <div class="tile"><b>{{capacity}}</b>donated</div>
            <div class="tile"><b>{{placed}}</b>holding pieces</div>
            <div class="tile"><b>{{files}}</b>files</div>
            <div class="tile"><b class="{{#healthy}}good{{/healthy}}{{^healthy}}bad{{/healthy}}">{{segmentsToRepair}}</b>segments to repair ({{segmentsUnreadable}} unreadable)</div>
            </div>
            {{/storage}}
            <h2>Credit over time</h2>
            {{{creditChart}}}
            <h2>Throughput</h2>
            {{{throughputChart}}}
            """,
        "batches": """
            {{#hasBatches}}{{> batch-rows}}{{/hasBatches}}{{^hasBatches}}<p>No batches yet.</p>{{/hasBatches}}
            """,
        "batch": """
            {{#batch}}
            <p>Project <a href="{{project.href}}">{{project.text}}</a> · {{state}}</p>
            <p><progress max="{{totalCount}}" value="{{finishedCount}}">{{percent}}</progress> {{percent}} · time left {{eta}}</p>
            <table><tbody>
            <tr><th>Work units</th><td class="n">{{workUnits}}</td></tr>
            <tr><th>Completed</th><td class="n">{{completed}}</td></tr>
            <tr><th>Failed</th><td class="n">{{failed}}</td></tr>
            {{/batch}}
            <tr><th>Cancelled</th><td class="n">{{cancelled}}</td></tr>
            <tr><th>Tasks running</th><td class="n">{{tasksInProgress}}</td></tr>
            <tr><th>Created</th><td class="n">{{created}}</td></tr>
            {{#finished}}<tr><th>Finished</th><td class="n">{{.}}</td></tr>{{/finished}}
            </tbody></table>
            {{#purged}}<p>Its work units were purged after the results were collected; only the counts remain.</p>{{/purged}}
            {{#listsFailures}}<h2>Failed work units</h2>{{/listsFailures}}
            <table><tbody>
            {{#failures}}<tr><td>{{name}}</td><td>{{reason}}</td></tr>{{/failures}}
            </tbody></table>
            {{#moreFailures}}<p>… and {{.}} more.</p>{{/moreFailures}}
            """,
        "leaderboard": """
            <p>By {{#byTotal}}<b>total credit</b> · <a href="{{racLink}}">recent average credit</a>{{/byTotal}}{{^byTotal}}<a href="{{totalLink}}">total credit</a> · <b>recent average credit</b>{{/byTotal}} · showing {{showing}}</p>
            <table>
            <thead><tr><th class="n">Rank</th><th>Name</th>{{#isHosts}}<th>Donor</th>{{/isHosts}}<th class="n">Total credit</th><th class="n">Recent average</th>{{#isTeams}}<th class="n">Members</th>{{/isTeams}}{{^isTeams}}<th class="n">Valid</th><th class="n">Invalid</th>{{/isTeams}}</tr></thead>
            <tbody>
            {{#rows}}
            <tr><td class="n">{{rank}}</td><td><a href="{{name.href}}">{{name.text}}</a></td>{{#owner}}<td><a href="{{href}}">{{text}}</a></td>{{/owner}}<td class="n">{{credit}}</td><td class="n">{{rac}}</td>{{#members}}<td class="n">{{.}}</td>{{/members}}{{^members}}<td class="n">{{valid}}</td><td class="n">{{invalid}}</td>{{/members}}</tr>
            {{/rows}}
            </tbody>
            </table>
            <p>{{#previous}}<a href="{{.}}">← previous</a> {{/previous}}{{#next}}<a href="{{.}}">next →</a>{{/next}}</p>
            """,
        "donor": """
            {{#team}}<p>Member of team <a href="{{href}}">{{text}}</a></p>{{/team}}
            <p>Rank {{rank}} by total credit.</p>
            <div class="tiles">
            {{> contribution-tiles}}
            </div>
            <h2>Credit over time</h2>
            {{{creditChart}}}
            <h2>Hosts</h2>
            <table>
            <thead><tr><th>Host</th><th>Status</th><th class="n">Total credit</th><th class="n">Recent average</th><th class="n">Valid</th></tr></thead>
            <tbody>
            {{#hosts}}<tr><td><a href="{{name.href}}">{{name.text}}</a></td><td>{{status}}</td><td class="n">{{credit}}</td><td class="n">{{rac}}</td><td class="n">{{valid}}</td></tr>{{/hosts}}
            </tbody>
            </table>
            """,
        "team": """
            <p>{{description}}</p>
            <div class="tiles">
            <div class="tile"><b>{{credit}}</b>total credit (rank {{rank}})</div>
            <div class="tile"><b>{{rac}}</b>recent average credit</div>
            <div class="tile"><b>{{memberCount}}</b>members</div>
            </div>
            <h2>Members</h2>
            <table>
            <thead><tr><th>Donor</th><th class="n">Total credit</th><th class="n">Recent average</th><th class="n">Valid</th></tr></thead>
            <tbody>
            {{#members}}<tr><td><a href="{{name.href}}">{{name.text}}</a></td><td class="n">{{credit}}</td><td class="n">{{rac}}</td><td class="n">{{valid}}</td></tr>{{/members}}
            </tbody>
            </table>
            {{#moreMembers}}<p>… and {{.}} more.</p>{{/moreMembers}}
            """,
        "host": """
            <p>Donated by <a href="{{donor.href}}">{{donor.text}}</a> · {{status}} · last contact {{lastContact}}</p>
            <div class="tiles">
            {{> contribution-tiles}}
            <div class="tile"><b>{{consecutiveValid}}</b>valid in a row</div>
            </div>
            """,
        "project": """
            <p>{{description}}</p>
            <div class="tiles">
            <div class="tile"><b>{{workUnits}}</b>work units</div>
            <div class="tile"><b>{{completed}}</b>completed</div>
            <div class="tile"><b>{{failed}}</b>failed</div>
            <div class="tile"><b>{{tasksUnsent}}</b>tasks waiting</div>
            <div class="tile"><b>{{tasksInProgress}}</b>tasks running</div>
            <div class="tile"><b>{{credit}}</b>credit granted</div>
            </div>
            <h2>Policy</h2>
            <table><tbody>{{#policy}}<tr><th>{{label}}</th><td>{{value}}</td></tr>{{/policy}}</tbody></table>
            <h2>Batches</h2>
            {{#hasBatches}}{{> batch-rows}}{{/hasBatches}}{{^hasBatches}}<p>No batches yet.</p>{{/hasBatches}}
            """,
    ]
}
