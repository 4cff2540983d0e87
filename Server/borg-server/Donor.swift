import ArgumentParser
import BorgServer
import BorgStore
import Foundation

/// `borg-server donor add|list|revoke|rotate-token`: donor accounts. On a member of a replicated grid it
/// writes to the grid's database; every coordinator honours a change within seconds.
struct Donor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage donor accounts.", subcommands: [Add.self, List.self, Revoke.self, RotateToken.self])

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

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a donor: its enrollment token stops working, its hosts leave the grid and their tasks are reissued.")

        @OptionGroup var data: DataDirectoryOptions

        @Argument(help: "The donor's name.")
        var name: String

        func run() async throws {
            let name = self.name
            let retired = try await DataDirectoryStore.write(data.url) { q in try q.revokeDonor(name: name) }
            guard let retired else { throw ValidationError("no donor named '\(name)'; see 'borg-server donor list'") }
            print("Revoked donor '\(name)': its token no longer enrolls hosts; \(retired.count) host(s) removed from the grid.")
        }
    }

    struct RotateToken: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-token", abstract: "Give a donor a new enrollment token; the old one stops working.")

        @OptionGroup var data: DataDirectoryOptions

        @Argument(help: "The donor's name.")
        var name: String

        @Flag(help: "Print only the token (for scripts).")
        var quiet = false

        func run() async throws {
            let name = self.name
            let token = try await DataDirectoryStore.write(data.url) { q in try q.rotateToken(donor: name) }
            guard let token else { throw ValidationError("no donor named '\(name)'; see 'borg-server donor list'") }
            print(quiet ? token : "New enrollment token for '\(name)' (shown once; the old one no longer works): \(token)")
        }
    }
}
