import BorgAPIClient
import BorgCore
import BorgProtocol
import Foundation
import Testing

/// The dashboard over real HTTP: every page answers with what the API says, names stay text, and a bad
/// link gets an HTML page with the status the API would give.
@Suite struct DashboardRoutesTests {
    static let markup = "<img src=x onerror=alert(1)>"

    func get(_ fixture: CoordinatorFixture, _ path: String) async throws -> (status: Int, html: String) {
        let (status, data) = try await CoordinatorClient(coordinators: [fixture.url]).raw(.GET, path)
        return (status, String(decoding: data, as: UTF8.self))
    }

    /// Donor ids in the order a leaderboard page links them.
    func donorLinks(in html: String) -> [String] {
        html.components(separatedBy: "<td><a href=\"/donors/").dropFirst().compactMap { $0.split(separator: "\"").first.map(String.init) }
    }

    @Test func everyPageShowsWhatTheAPIShows() async throws {
        try await CoordinatorFixture.run { f in
            try await f.makeProject()
            let batch = try await f.submit(4)
            let ada = try await f.host("ada")
            let bob = try await f.host(Self.markup)
            for host in [ada, bob] { _ = try await host.complete(try await host.work(1)) }
            _ = try await f.host("idle")
            let team = try await f.admin.createTeam(CreateTeamRequest(name: "<Team & Co>"))
            _ = try await bob.client.joinTeam(host: bob.id, name: "<Team & Co>")

            let grid = try await get(f, "/")
            #expect(grid.status == 200)
            #expect(grid.html.contains("<b>3</b>hosts online of 3"), "the grid page does not count the hosts")
            #expect(grid.html.contains("<a href=\"/batches/\(batch.rawValue)\">"), "the running batch is not listed")
            #expect(grid.html.contains(f.url) && grid.html.contains("leads"))

            let api = try await f.admin.donorStats()
            let board = try await get(f, "/donors")
            #expect(donorLinks(in: board.html) == api.map { String($0.donorID.rawValue) }, "the leaderboard order differs from the API's")
            #expect(!board.html.contains(Self.markup) && board.html.contains("&lt;img src=x onerror=alert(1)&gt;"))

            let bobDonor = try #require(api.first { $0.donorID == bob.donorID })
            let donorPage = try await get(f, "/donors/\(bob.donorID.rawValue)")
            #expect(donorPage.status == 200 && !donorPage.html.contains(Self.markup))
            #expect(donorPage.html.contains("<b>\(bobDonor.tasks.inProgress)</b>running"))
            #expect(donorPage.html.contains("<svg") && donorPage.html.contains("<polyline"), "the credit chart shows no point for today")
            #expect(donorPage.html.contains("Member of team <a href=\"/teams/\(team.teamID.rawValue)\">&lt;Team &amp; Co&gt;</a>"))
            let teams = try await get(f, "/teams")
            #expect(teams.status == 200 && teams.html.contains("<a href=\"/teams/\(team.teamID.rawValue)\">&lt;Team &amp; Co&gt;</a>"))
            #expect(teams.html.contains("<th class=\"n\">Members</th>") && !teams.html.contains("<Team & Co>"))
            let teamPage = try await get(f, "/teams/\(team.teamID.rawValue)")
            #expect(teamPage.status == 200 && teamPage.html.contains("/donors/\(bob.donorID.rawValue)"))
            #expect(!teamPage.html.contains("/donors/\(ada.donorID.rawValue)"), "a donor outside the team is listed as a member")
            let hostPage = try await get(f, "/hosts/\(bob.id.rawValue)")
            #expect(hostPage.status == 200 && !hostPage.html.contains(Self.markup) && hostPage.html.contains("online"))
            let hosts = try await get(f, "/hosts?by=rac")
            #expect(hosts.status == 200 && hosts.html.contains("/hosts/\(ada.id.rawValue)"))

            let status = try await f.admin.batchStatus(batch)
            let batchPage = try await get(f, "/batches/\(batch.rawValue)")
            #expect(batchPage.status == 200 && batchPage.html.contains("<progress max=\"4\" value=\"\(status.workUnits - status.outstanding)\">"))
            #expect(try await get(f, "/batches").html.contains("/batches/\(batch.rawValue)"))
            let project = try await get(f, "/projects/demo")
            #expect(project.status == 200 && project.html.contains("quorum 2"))
        }
    }

    @Test func aBadLinkGetsAPageSayingWhatIsWrong() async throws {
        try await CoordinatorFixture.run { f in
            let missing = try await get(f, "/donors/999")
            #expect(missing.status == 404 && missing.html.contains("There is no donor 999.") && missing.html.contains("<html"))
            #expect(try await get(f, "/projects/nope").status == 404)
            #expect(try await get(f, "/batches/77").status == 404)
            #expect(try await get(f, "/teams/5").status == 404)
            let badPage = try await get(f, "/donors?page=-1")
            #expect(badPage.status == 400 && badPage.html.contains("page must be a whole number"))
            #expect(try await get(f, "/hosts?by=name").status == 400)
            let badID = try await get(f, "/batches/abc")
            #expect(badID.status == 400 && badID.html.contains("<h1>Bad Request</h1>"), "a malformed id gets an HTML page")
        }
    }
}
