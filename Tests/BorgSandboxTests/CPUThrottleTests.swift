import BorgSandbox
import Foundation
import Testing

extension SandboxTests {
    @Suite struct CPUThrottleTests {
        @Test(arguments: [
            (0.25, 2, 1, 0.5), (0.25, 2, 2, 0.25), (0.5, 2, 1, 1.0), (1.0, 4, 2, 1.0), (0.3, 4, 3, 0.4),
            (0.5, 2, 0, 1.0),
        ])
        func runShareIsFractionTimesCoresOverTasksCappedAtOne(fraction: Double, cores: Int, tasks: Int, share: Double) {
            let computed = CPUThrottle.runShare(machineFraction: fraction, cores: cores, tasks: tasks)
            #expect(abs(computed - share) < 1e-12)
        }

        @Test(arguments: [0.0, -0.1, 1.5, Double.nan])
        func anInvalidFractionIsRejected(fraction: Double) {
            #expect(throws: SandboxError.self) { try CPUThrottle(machineFraction: fraction) }
        }

        /// A CPU-burning app held at 25 % of the machine reads 20–30 % from /proc; raised live
        /// to 50 %, it then runs unthrottled on one core.
        @Test func holdsABurningAppToItsShareOfTheMachine() async throws {
            let cores = ProcessInfo.processInfo.activeProcessorCount
            let throttle = try CPUThrottle(machineFraction: 0.25)
            throttle.start()
            defer { throttle.stop() }
            let directory = try SandboxFixtures.taskDirectory()
            let task = SandboxTask(
                runtime: .native, app: try SandboxFixtures.probe(), directory: directory,
                arguments: ["burn", "0"], limits: TaskLimits(cpuFraction: 0.25), nice: 0)
            defer { SandboxFixtures.remove(task) }
            let running = try SandboxFixtures.runner(throttle: throttle).start(task)
            defer { running.kill() }
            #expect(throttle.processGroups == [running.processGroup])

            /// The share of the whole machine the task used over `seconds`, from /proc.
            func machineShare(over seconds: Double) async throws -> Double {
                let before = running.usage.cpuSeconds
                let start = ContinuousClock.now
                try await Task.sleep(for: .seconds(seconds))
                let elapsed = (ContinuousClock.now - start) / .seconds(1)
                return (running.usage.cpuSeconds - before) / elapsed / Double(cores)
            }

            try await Task.sleep(for: .seconds(1))  // let the sandbox start the app
            let throttled = try await machineShare(over: 12)
            #expect(throttled >= 0.20 && throttled <= 0.30, "read \(throttled) of the machine, wanted 0.25")

            try throttle.setMachineFraction(0.5)
            try await Task.sleep(for: .milliseconds(300))
            let raised = try await machineShare(over: 4)
            let oneCore = 1 / Double(cores)
            #expect(
                raised >= 0.7 * oneCore && raised <= 1.05 * oneCore, "read \(raised) of the machine, wanted one core")

            running.kill()
            let result = await running.result()
            #expect(result.status == .killed)
            #expect(throttle.processGroups.isEmpty)
        }
    }
}
