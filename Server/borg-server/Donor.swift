import ArgumentParser
import BorgServer
import BorgStore
import Foundation

/// `borg-server donor add NAME`: creates a donor account and prints its enrollment token. On a member of
/// a replicated grid it writes to the grid's database.
struct Donor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage donor accounts.", subcommands: [Add.self, List.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a donor and print its enrollment token.")

        @OptionGroup var data: DataDirectoryOptions

        @Argument(help: "The donor's name (unique).")
        var name: String

        @Flag(help: "Print only the token (for scripts).")
        var quiet = false

        func run() async throws {
            let store = try await DataDirectoryStore.open(data.url)
            defer { store.close() }
            let name = self.name
            let now = Date().timeIntervalSince1970
            do {
                let (donor, token) = try await store.write { q in try q.createDonor(name: name, now: now) }
                if quiet {
                    print(token)
                } else {
                    print("Created donor '\(donor.name)' (id \(donor.id)).")
                    print("Enrollment token (shown once): \(token)")
                    print("On the donor's machine: borg-client enroll URL --token \(token)")
                }
            } catch let error as StoreError {
                throw ValidationError(error.reason)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List donors with their credit.")

        @OptionGroup var data: DataDirectoryOptions

        func run() async throws {
            let store = try await DataDirectoryStore.open(data.url)
            defer { store.close() }
            let donors = try await store.read { q in try q.donorTotals() }
            print("rank  id  name                      credit        hosts  valid  invalid  error")
            for d in donors {
                print(String(format: "%4d %3lld  %-24@ %12.2f  %5d  %5d  %7d  %5d", d.rank, d.id.rawValue, d.name as NSString,
                    d.totalCredit, d.hosts, d.valid, d.invalid, d.errors))
            }
        }
    }
}
