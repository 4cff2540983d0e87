import BorgAPIClient
import BorgCore
import BorgHarness
import BorgProtocol
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

    /// The value of the first progress bar on a page.
    func progress(in dom: String) -> Int? {
        guard let range = dom.range(of: #"<progress max="\d+" value="(\d+)""#, options: .regularExpression) else { return nil }
        return Int(dom[range].split(separator: "\"")[3])
    }
}
