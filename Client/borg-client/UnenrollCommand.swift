import ArgumentParser
import BorgAPIClient
import BorgDonor
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

struct UnenrollCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unenroll",
        abstract: "Leave the grid: stop working, give unfinished tasks back, delete everything the client wrote.")

    @OptionGroup var data: DataDirectoryOption

    @Flag(help: "Do not wait for the running client or the coordinator; still delete everything.")
    var force = false

    func run() async throws {
        let directory = data.directory
        let configuration = try DonorConfiguration.load(from: directory)
        let keyring = FileKeyring(directory)
        if !force, let held = try? keyring.entries(), !held.isEmpty {
            throw DonorError("\(keyring.url.path) holds the read-caps of \(held.count) stored file(s), the only keys to them: move it somewhere safe (or 'borg-client files rm' the files), then unenroll again (--force deletes it with the rest); nothing was changed")
        }
        try stopDaemon(directory)
        for leftover in TaskProcesses.endLeftovers(in: directory) {
            print("ended the sandbox (pid \(leftover.pid)) of task \(leftover.task), left running by a stopped client")
        }
        var state = try DonorState.load(from: directory)

        let client = CoordinatorClient(
            coordinators: configuration.coordinators, credential: configuration.hostSecret,
            timeout: force ? .seconds(5) : .seconds(30))
        if !force { try await reportFinished(&state, client: client, configuration: configuration, directory: directory) }
        do {
            let reply = try await client.abandon(host: configuration.hostID, tasks: nil, leaving: configuration.storage == nil)
            print("gave \(reply.abandoned.count) unfinished task(s) back to the grid")
        } catch {
            guard force else {
                throw DonorError("the coordinator did not take the host's tasks back (\(error)); nothing was deleted. Retry, or use --force to delete anyway")
            }
            print("warning: could not tell the coordinator (\(error)); its deadlines will reissue this host's tasks")
        }
        if let donation = configuration.storage {
            try await handOverPieces(donation, client: client, configuration: configuration, directory: directory)
        }
        let contribution = await Contribution.gather(
            configuration: configuration, directory: directory, state: state, cache: false)
        let kept = try directory.delete()
        print("final contribution:\n\(contribution.text)")
        print("host \(configuration.hostID) left the grid; deleted \(kept == nil ? directory.root.path : "everything in \(directory.root.path)")")
        if let kept { print(kept) }
    }

    /// A storage host's exit: without `--force`, serve the pieces until the grid has copied every one elsewhere,
    /// then leave the grid while still serving (the coordinator refuses while a file committed meanwhile left
    /// pieces here: those are handed over too); with `--force` at once: the grid rebuilds the pieces from the others.
    private func handOverPieces(_ donation: StorageDonation, client: CoordinatorClient, configuration: DonorConfiguration,
                                directory: DataDirectory) async throws {
        guard !force else {
            print("warning: --force: this host's pieces are not handed over; the grid rebuilds them from other pieces")
            do {
                _ = try await client.abandon(host: configuration.hostID, tasks: [], leaving: true)
            } catch {
                print("warning: could not tell the coordinator (\(error)); the grid rebuilds this host's pieces once it is silent")
            }
            return
        }
        let storage = try StorageHost(directory: directory, donation: donation, host: configuration.hostID, client: client,
                                      log: { print($0) })
        try await storage.start(leaving: true)
        do {
            for round in 1... {
                try await storage.leave()
                do {
                    _ = try await client.abandon(host: configuration.hostID, tasks: [], leaving: true, piecesHandedOver: true)
                    break
                } catch let error as APIClientError where error.status == 409 && round < Self.handOverRounds {
                    print("files were stored here during the hand-over (\(error.reason)); handing their pieces over too")
                } catch {
                    throw DonorError("the coordinator did not take the host off the grid (\(error)); nothing was deleted. Retry, or use --force")
                }
            }
        } catch {
            await storage.stop()
            throw error
        }
        await storage.stop()
        print("every piece this host held is stored on other hosts")
    }

    /// How many times the hand-over starts again for pieces of files committed while it ran.
    private static let handOverRounds = 5

    /// Stops a running daemon: SIGTERM and a wait for it to report and exit, or with
    /// `--force` SIGKILL at once.
    private func stopDaemon(_ directory: DataDirectory) throws {
        guard let pid = directory.runningDaemon else { return }
        kill(pid, force ? SIGKILL : SIGTERM)
        let deadline = Date().addingTimeInterval(force ? 5 : 60)
        while directory.runningDaemon == pid, Date() < deadline { usleep(50_000) }
        if directory.runningDaemon == pid {
            guard force else { throw DonorError("the running client (pid \(pid)) did not stop within 60 s; retry or use --force") }
        }
    }

    /// Reports tasks that finished but were not reported yet, so that their work counts.
    private func reportFinished(
        _ state: inout DonorState, client: CoordinatorClient, configuration: DonorConfiguration, directory: DataDirectory
    ) async throws {
        for task in state.tasks(in: .finished) {
            let report = try await TaskReportBuilder.report(
                for: task, directory: directory.taskDirectory(task.id), client: client, host: configuration.hostID)
            if let reply = try? await client.report(host: configuration.hostID, [report]), reply.accepted.contains(task.id) {
                state.reported += 1
                state.cpuSeconds += task.cpuSeconds
            }
        }
    }
}
