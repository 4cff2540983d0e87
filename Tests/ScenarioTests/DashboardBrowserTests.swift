import BorgAPIClient
import BorgCore
import BorgHarness
import BorgProtocol
import BorgStore
import Foundation
import Testing

/// The dashboard in a real browser (headless Chromium) against a live coordinator running a batch: every
/// page loads with what the API says, names with markup in them show as text, a batch's progress moves, and
/// each page is saved as a screenshot in `.build/dashboard-screenshots/` (the test's output, not committed).
@Suite(.serialized) struct DashboardBrowserTests {
    static let boldDonor = "<b>Bold</b> & co"

    @Test func everyPageLoadsInABrowserWithTheGridsFigures() async throws {
        guard let browser = try HeadlessBrowser.find() else {
            print("skipped: chromium is not installed here (scripts/install-dependencies.sh installs it)")
            return
        }
        defer { browser.remove() }
        let dir = try TemporaryDirectory(prefix: "borg-browser")
        defer { dir.remove() }
        let server = try ServerProcess(dataDirectory: dir.url.appendingPathComponent("coordinator"), arguments: ["--tick", "1"])
        defer { server.stop() }
        let workload = try await GridWorkload(urls: [server.url], adminKey: try server.adminKey, project: "browse", workUnits: 40,
                                              hostCount: 3)
        let admin = workload.admin
        let bold = try await admin.createDonor(name: Self.boldDonor)
        let boldHost = try await SimulatedHost(coordinators: [server.url], token: bold.enrollmentToken, name: "<i>slanted</i>")
        let team = try await admin.createTeam(CreateTeamRequest(name: "<u>Team</u>", description: "crunching together"))
        _ = try await boldHost.client.joinTeam(host: boldHost.id, name: "<u>Team</u>")
        let hosts = workload.hosts + [boldHost]
        for host in hosts { _ = try await host.cycle(maxTasks: 3) }

        let shots = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(".build/dashboard-screenshots")
        try FileManager.default.createDirectory(at: shots, withIntermediateDirectories: true)
        let batch = workload.batch.rawValue
        let pages = [("grid", "/", "Grid"), ("batches", "/batches", "Batches"), ("batch", "/batches/\(batch)", "Batch \(batch)"),
                     ("donors", "/donors", "Donors"), ("hosts", "/hosts?by=rac", "Hosts"),
                     ("donor", "/donors/\(bold.donorID.rawValue)", "&lt;b&gt;Bold&lt;/b&gt; &amp; co"),
                     ("host", "/hosts/\(boldHost.id.rawValue)", "&lt;i&gt;slanted&lt;/i&gt;"), ("project", "/projects/browse", "browse"),
                     ("teams", "/teams", "Teams"), ("team", "/teams/\(team.teamID.rawValue)", "&lt;u&gt;Team&lt;/u&gt;")]
        var doms: [String: String] = [:]
        for (name, path, heading) in pages {
            let dom = try browser.dom(of: server.url + path)
            #expect(dom.contains("<h1>\(heading)</h1>"), "\(path) did not load as the \(name) page: \(dom.prefix(300))")
            #expect(!dom.contains("<b>Bold</b>") && !dom.contains("<i>slanted</i>") && !dom.contains("<u>Team</u>"),
                    "a name became markup on \(path)")
            try browser.screenshot(of: server.url + path, to: shots.appendingPathComponent("\(name).png"))
            doms[name] = dom
        }
        print("dashboard screenshots: \(shots.path)")

        // The leaderboard lists donors in the API's order, and the grid page counts what the API counts.
        let api = try await admin.donorStats()
        let linked = (doms["donors"] ?? "").components(separatedBy: "<td><a href=\"/donors/").dropFirst()
            .compactMap { $0.split(separator: "\"").first.map(String.init) }
        #expect(linked == api.map { String($0.donorID.rawValue) })
        #expect(doms["donors"]?.contains("&lt;b&gt;Bold&lt;/b&gt; &amp; co") == true)
        #expect(doms["grid"]?.contains("<b>\(api.count)</b>donors") == true)

        // The batch's progress bar moves as hosts report.
        let before = try #require(progress(in: doms["batch"] ?? ""))
        for _ in 0..<3 { for host in hosts { _ = try await host.cycle(maxTasks: 4) } }
        let after = try #require(progress(in: try browser.dom(of: server.url + "/batches/\(batch)")))
        let status = try await admin.batchStatus(workload.batch)
        #expect(after > before, "progress stayed at \(before)")
        #expect(after == status.workUnits - status.outstanding)
    }

    /// 10,000 donors and hosts and 100,000 work units (a tenth still running) written straight into a
    /// coordinator's store: every page still loads, in the browser too. The times are printed, not judged
    /// against the 1 s target here: this is a debug build sharing two cores with other scenarios (seen at
    /// 0.03–1.9 s per page), while `borg-bench dashboard` measures the release build (docs/BENCHMARKS.md). A
    /// page past 10 s means it no longer scales at all.
    @Test func everyPageLoadsWithTenThousandDonorsAndAHundredThousandWorkUnits() async throws {
        guard let browser = try HeadlessBrowser.find() else {
            print("skipped: chromium is not installed here (scripts/install-dependencies.sh installs it)")
            return
        }
        defer { browser.remove() }
        let dir = try TemporaryDirectory(prefix: "borg-browser-scale")
        defer { dir.remove() }
        let data = dir.url.appendingPathComponent("coordinator")
        var server = try ServerProcess(dataDirectory: data)
        let workload = try await GridWorkload(urls: [server.url], adminKey: try server.adminKey, project: "scale", workUnits: 10,
                                              hostCount: 1)
        _ = try await workload.admin.createTeam(CreateTeamRequest(name: "everyone"))
        #expect(server.stop() == 0)
        let store = try await Store(directory: data)
        try await store.write { q in try q.db.executeScript(Self.scaleScript) }
        let counts = try await store.read { q in
            (try q.db.queryOne("SELECT count(*) FROM donor")?.int(0) ?? 0, try q.db.queryOne("SELECT count(*) FROM work_unit")?.int(0) ?? 0)
        }
        store.close()
        #expect(counts.0 > 10_000 && counts.1 > 100_000, "the store holds \(counts.0) donors and \(counts.1) work units")
        server = try ServerProcess(dataDirectory: data)
        defer { server.stop() }

        let client = CoordinatorClient(coordinators: [server.url])
        let pages = ["/", "/batches", "/batches/2", "/donors", "/donors?by=rac&page=50", "/donors/5000", "/hosts", "/hosts/5000",
                     "/teams", "/teams/1", "/projects/scale"]
        var report: [String] = []
        for page in pages {
            let start = ContinuousClock.now
            let (status, _) = try await client.raw(.GET, page)
            let elapsed = ContinuousClock.now - start
            #expect(status == 200, "\(page) answered \(status)")
            #expect(elapsed < .seconds(10), "\(page) took \(elapsed) with 10,000 donors and 100,000 work units")
            report.append("\(page) \(elapsed)")
            #expect(try browser.dom(of: server.url + page).contains("<h1>"), "\(page) did not load in the browser")
        }
        print("dashboard at scale (debug build): " + report.joined(separator: ", "))
    }

    /// SQL that adds 10,000 donors (each with a host, all in team 1) and 100,000 work units of project
    /// `scale` in five batches, 90 % of them completed by two valid tasks, the rest waiting with two unsent tasks.
    static let scaleScript = """
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
        INSERT INTO donor (name, token_hash, created_at, total_credit, rac, rac_time, cross_project_id, team_id)
            SELECT 'scale donor ' || i, 'scale-token-' || i, 0, i * 3.0, i * 0.5, 0, lower(hex(randomblob(16))), 1 FROM n;
        INSERT INTO host (donor_id, name, secret_hash, cores, platforms, created_at, last_contact, total_credit, rac, rac_time, tasks_valid)
            SELECT id, 'host of ' || name, 'scale-secret-' || id, 4, 'wasm', 0, 0, total_credit, rac, 0, 20
            FROM donor WHERE name LIKE 'scale donor %';
        WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 4)
        INSERT INTO batch (project_id, policy, state, wu_total, wu_completed, created_at)
            SELECT p.id, p.policy, 'active', 20000, 18000, 0 FROM n, project p WHERE p.name = 'scale';
        WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 99999)
        INSERT INTO work_unit (batch_id, name, inputs, status, quorum)
            SELECT (SELECT max(id) FROM batch) - 4 + i / 20000, 'big-' || i, '', CASE WHEN i % 10 = 0 THEN 'active' ELSE 'completed' END, 2
            FROM n;
        INSERT INTO task (wu_id, project_id, state, validate_state, host_id, donor_id, reported_at, credit)
            SELECT w.id, b.project_id,
                   CASE w.status WHEN 'completed' THEN 'success' ELSE 'unsent' END,
                   CASE w.status WHEN 'completed' THEN 'valid' ELSE 'pending' END,
                   CASE w.status WHEN 'completed' THEN (SELECT min(id) FROM host) + (w.id + copy.k) % 10000 END,
                   CASE w.status WHEN 'completed' THEN (SELECT min(id) FROM donor) + (w.id + copy.k) % 10000 END,
                   CASE w.status WHEN 'completed' THEN 1 END,
                   CASE w.status WHEN 'completed' THEN 2.5 ELSE 0 END
            FROM work_unit w JOIN batch b ON b.id = w.batch_id, (SELECT 0 AS k UNION ALL SELECT 1) AS copy
            WHERE w.name LIKE 'big-%';
        """

    /// The value of the first progress bar on a page.
    func progress(in dom: String) -> Int? {
        guard let range = dom.range(of: #"<progress max="\d+" value="(\d+)""#, options: .regularExpression) else { return nil }
        return Int(dom[range].split(separator: "\"")[3])
    }
}
