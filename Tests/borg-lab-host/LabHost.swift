import BorgAPIClient
import BorgCore
import BorgHarness
import Foundation

/// `borg-lab-host`: one protocol-level host (``SimulatedHost``) as a process of its own, so that a network
/// fault test can run it on a lab node (`ip netns exec`). It asks for work, "computes" for a while, and
/// reports, retrying a report until a coordinator accepts or refuses it. Every answer goes to the history
/// file as a JSON line: `{"accepted":[task ids]}` or `{"refused":status}`. It runs until killed.
///
/// Arguments: `COORDINATOR-URLS(comma-separated) HOST-ID DONOR-ID SECRET COMPUTE-SECONDS HISTORY-FILE`.
@main
struct LabHost {
    static func main() async throws {
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard arguments.count == 6, let id = Int64(arguments[1]), let donor = Int64(arguments[2]), let compute = Double(arguments[4]) else {
            FileHandle.standardError.write(Data("usage: borg-lab-host URLS HOST-ID DONOR-ID SECRET COMPUTE-SECONDS HISTORY-FILE\n".utf8))
            exit(2)
        }
        let host = SimulatedHost(id: HostID(id), donorID: DonorID(donor), secret: arguments[3],
                                 coordinators: arguments[0].split(separator: ",").map(String.init), conduct: .honest)
        let path = arguments[5]
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let history = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        func record(_ line: String) {
            history.write(Data((line + "\n").utf8))
        }
        while true {
            guard let work = try? await host.client.requestWork(host: host.id, maxTasks: 4, held: []), !work.tasks.isEmpty else {
                try await Task.sleep(for: .milliseconds(100))
                continue
            }
            if compute > 0 { try await Task.sleep(for: .seconds(compute)) }
            let reports = work.tasks.map(host.report(for:))
            while true {
                do {
                    let accepted = try await host.client.report(host: host.id, reports).accepted
                    record("{\"accepted\":[\(accepted.map { "\($0.rawValue)" }.joined(separator: ","))]}")
                    break
                } catch let error as APIClientError where error.status.map({ (400..<500).contains($0) }) == true {
                    record("{\"refused\":\(error.status ?? 0)}")
                    break
                } catch {
                    try await Task.sleep(for: .milliseconds(250))
                }
            }
        }
    }
}
