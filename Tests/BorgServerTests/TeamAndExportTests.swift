import BorgAPIClient
import BorgCore
import BorgProtocol
import BorgServer
import BorgStore
import Crypto
import Foundation
import Synchronization
import Testing
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Teams over the API, and BOINC's statistics export read back with a real gzip and a real XML parser.
@Suite struct TeamAndExportTests {
    @Test func aTeamGathersItsMembersCreditAndMembersComeAndGo() async throws {
        try await CoordinatorFixture.run { f in
            try await f.makeProject()
            _ = try await f.submit(4)
            let (ada, bob, cy) = (try await f.host("ada"), try await f.host("bob"), try await f.host("cy"))
            let created = try await f.admin.createTeam(CreateTeamRequest(name: "Crunchers", description: "we crunch"))
            #expect(created.members == 0 && created.name == "Crunchers")
            #expect(try await ada.client.joinTeam(host: ada.id, name: "Crunchers").team == "Crunchers")
            _ = try await bob.client.joinTeam(host: bob.id, name: "Crunchers")
            for host in [ada, bob, cy] { _ = try await host.complete(try await host.work(3)) }

            let donors = try await f.admin.donorStats()
            func credit(_ host: TestHost) -> Double { donors.first { $0.donorID == host.donorID }?.totalCredit ?? -1 }
            let team = try #require(try await f.admin.teamStats().first)
            #expect(team.members == 2 && abs(team.totalCredit - (credit(ada) + credit(bob))) < 1e-9 && team.totalCredit > 0)
            #expect(donors.first { $0.donorID == ada.donorID }?.team == "Crunchers")
            #expect(donors.first { $0.donorID == cy.donorID }?.team == nil)

            #expect(try await bob.client.leaveTeam(host: bob.id).team == nil)
            #expect(try await f.admin.teamStats().first?.members == 1)
            let unknown = try await f.raw(.post, "/v1/hosts/\(cy.id)/team", body: #"{"name": "Nobody"}"#, credential: nil)
            #expect(unknown.0 == 401, "joining needs the host's secret")
            let missing = try await cy.client.raw(.POST, "/v1/hosts/\(cy.id)/team", body: Data(#"{"name": "Nobody"}"#.utf8))
            #expect(missing.status == 404 && String(decoding: missing.body, as: UTF8.self).contains("no team named 'Nobody'"))
            #expect(try await f.raw(.post, "/v1/teams", body: #"{"name": "Crunchers"}"#, credential: nil).0 == 401)
            let duplicate = try await f.admin.raw(.POST, "/v1/teams", body: Data(#"{"name": "crunchers"}"#.utf8))
            #expect(duplicate.status == 409, "team names differing only in case")
            #expect(try await cy.client.joinTeam(host: cy.id, name: " crunchers ").team != nil, "a name as typed joins")
            #expect(try await f.admin.teamStats().first?.members == 2)
            // A submitter's key creates teams, but only the admin names a donor as founder.
            let submitter = CoordinatorClient(coordinators: [f.url], credential: try await f.admin.createSubmitterKey(project: "demo").apiKey)
            _ = try await submitter.createTeam(CreateTeamRequest(name: "Submitters"))
            let founded = try await submitter.raw(.POST, "/v1/teams", body: Data(#"{"name": "Ours", "founder": "donor-ada"}"#.utf8))
            #expect(founded.status == 403)
        }
    }

    @Test func theExportIsBOINCsFormatAndAgreesWithTheAPI() async throws {
        let now = Mutex(Date().timeIntervalSince1970)
        try await CoordinatorFixture.run(clock: { now.withLock { $0 } }) { f in
            try await f.makeProject()
            _ = try await f.submit(4)
            let ada = try await f.host("ada")
            let bob = try await f.host("bob")
            _ = try await f.admin.createTeam(CreateTeamRequest(name: "<Crunchers & co>", founder: "donor-ada"))
            _ = try await ada.client.joinTeam(host: ada.id, name: "<Crunchers & co>")
            for host in [ada, bob] { _ = try await host.complete(try await host.work()) }
            let mailed = try await f.admin.createDonor(name: "eve", email: "eve@example.org")

            let tables = try Self.records(try await fetch(f, "tables.xml"), element: "tables")
            let users = try Self.records(try Self.gunzip(try await fetch(f, "user.gz")), element: "user")
            let hosts = try Self.records(try Self.gunzip(try await fetch(f, "host.gz")), element: "host")
            let teams = try Self.records(try Self.gunzip(try await fetch(f, "team.gz")), element: "team")

            let api = try await f.admin.donorStats()
            #expect(tables.first?["nusers_total"] == String(api.count) && tables.first?["nteams_total"] == "1")
            #expect(tables.first?["nhosts_total"] == "2" && users.count == api.count && hosts.count == 2)
            for donor in api {
                let user = try #require(users.first { $0["id"] == String(donor.donorID.rawValue) })
                #expect(user["name"] == donor.name)
                #expect(abs((Double(user["total_credit"] ?? "") ?? -1) - donor.totalCredit) < 1e-5)
            }
            // The cross-project id is BOINC's: MD5 of the donor's random id followed by its e-mail address.
            let secretID = try await f.coordinator.store.read { q in
                try q.db.queryOne("SELECT cross_project_id FROM donor WHERE id = ?", SQLValue(mailed.donorID))?.string(0)
            }
            let expected = HexEncoding.string(Insecure.MD5.hash(data: Data(((secretID ?? "") + "eve@example.org").utf8)))
            #expect(users.first { $0["name"] == "eve" }?["cpid"] == expected && secretID?.count == 32)
            #expect(!users.contains { $0.values.contains("eve@example.org") }, "an e-mail address was exported")
            #expect(users.first { $0["id"] == String(ada.donorID.rawValue) }?["teamid"] == "1")
            let team = try #require(teams.first)
            let apiTeam = try #require(try await f.admin.teamStats().first)
            #expect(team["name"] == "<Crunchers & co>" && team["founder_name"] == "donor-ada" && team["nusers"] == "1")
            #expect(abs((Double(team["total_credit"] ?? "") ?? -1) - apiTeam.totalCredit) < 1e-5)
            #expect(hosts.first { $0["id"] == String(ada.id.rawValue) }?["userid"] == String(ada.donorID.rawValue))

            // The files are made again once they are older than ten minutes, not before.
            _ = try await f.admin.createDonor(name: "late")
            #expect(try Self.records(try Self.gunzip(try await fetch(f, "user.gz")), element: "user").count == api.count)
            now.withLock { $0 += 601 }
            #expect(try Self.records(try Self.gunzip(try await fetch(f, "user.gz")), element: "user").count == api.count + 1)
            #expect(try await f.raw(.get, "/stats/secrets.gz", body: nil).0 == 404)
        }
    }

    func fetch(_ f: CoordinatorFixture, _ name: String) async throws -> Data {
        let (status, body) = try await CoordinatorClient(coordinators: [f.url]).raw(.GET, "/stats/\(name)")
        guard status == 200 else { throw TestFailure("/stats/\(name) answered \(status)") }
        return body
    }

    /// `data` through the system's `gzip -dc`.
    static func gunzip(_ data: Data) throws -> Data {
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("borg-export-\(UUID().uuidString).gz")
        try data.write(to: input)
        defer { try? FileManager.default.removeItem(at: input) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-dc", input.path]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let text = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw TestFailure("gzip -dc failed: not a gzip file") }
        return text
    }

    /// Every `element` of an XML document as its child elements' text by name.
    static func records(_ xml: Data, element: String) throws -> [[String: String]] {
        let reader = RecordReader(element: element)
        let parser = XMLParser(data: xml)
        parser.delegate = reader
        guard parser.parse() else { throw TestFailure("not well-formed XML: \(parser.parserError.map { "\($0)" } ?? "?")") }
        return reader.records
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Collects the children of each `element` as text.
final class RecordReader: NSObject, XMLParserDelegate {
    let element: String
    var records: [[String: String]] = []
    private var current: [String: String]?
    private var text = ""

    init(element: String) { self.element = element }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        if name == element { current = [:] }
        text = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == element, let record = current {
            records.append(record)
            current = nil
        } else if current != nil {
            current?[name] = text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        text = ""
    }
}
