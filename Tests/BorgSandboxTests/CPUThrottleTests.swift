import BorgSandbox
import Foundation
import Testing

extension SandboxTests {
    @Suite struct CPUThrottleTests {
        @Test(arguments: [
            (0.05, 1.0, 0.1, 0.05), (0.05, 2.0, 0.1, 0.025), (0.15, 1.0, 0.1, 0.1), (0.0, 2.0, 0.1, 0.0),
            (-0.01, 2.0, 0.1, 0.0), (0.05, 0.0, 0.1, 0.1),
        ])
        func runTimeIsTheAllowanceOverTheRateWithinThePeriod(allowance: Double, rate: Double, period: Double, run: Double) {
            let computed = CPUThrottle.runTime(allowance: allowance, rate: rate, period: period)
            #expect(abs(computed - run) < 1e-12)
        }

        @Test(arguments: [0.0, -0.1, 1.5, Double.nan])
        func anInvalidFractionIsRejected(fraction: Double) {
            #expect(throws: SandboxError.self) { try CPUThrottle(machineFraction: fraction) }
        }

        /// Apps that each burn on every core, held to half a core's worth of the machine: one app, then
        /// two sharing the cap, then (with two cores or more) both raised live to one and a half cores'
        /// worth; each share read from /proc. Unthrottled, or with the second app left out, they would use
        /// the whole machine; a throttle that counted one thread per app would give the first one twice
        /// its share on two cores.
        @Test func holdsBurningAppsToTheirShareOfTheMachine() async throws {
            let cores = ProcessInfo.processInfo.activeProcessorCount
            let caps = [0.5, 1.5].map { $0 / Double(cores) }.filter { $0 <= 1 }
            let throttle = try CPUThrottle(machineFraction: caps[0])
            throttle.start()
            defer { throttle.stop() }
            let runner = try SandboxFixtures.runner(throttle: throttle)
            var running: [RunningTask] = []
            defer {
                for task in running {
                    task.kill()
                    SandboxFixtures.remove(task.task)
                }
            }

            /// Starts one more app burning in `cores` threads and lets the sandbox start it.
            func startApp() async throws {
                let task = SandboxTask(
                    runtime: .native, app: try SandboxFixtures.probe(), directory: try SandboxFixtures.taskDirectory(),
                    arguments: ["burn", "0", String(cores)], limits: TaskLimits(cpuFraction: caps[0]), nice: 0)
                running.append(try runner.start(task))
                #expect(throttle.processGroups == Set(running.map(\.processGroup)))
                try await Task.sleep(for: .seconds(1))
            }
            /// Checks the share of the whole machine the apps used together over 8 s, from /proc.
            func expectShare(under cap: Double) async throws {
                let apps = running
                func used() -> Double { apps.map(\.usage.cpuSeconds).reduce(0, +) }
                let before = used()
                let start = ContinuousClock.now
                try await Task.sleep(for: .seconds(8))
                let share = (used() - before) / ((ContinuousClock.now - start) / .seconds(1)) / Double(cores)
                // Every thread of every app wants a core, so the apps could use the whole machine: the cap binds.
                let demand = Double(apps.count * cores) / Double(cores)
                let expected = min(cap, demand)
                #expect(share <= expected + 0.06, "\(apps.count) app(s) read \(share) of the machine, wanted \(expected)")
                #expect(share >= 0.6 * expected, "\(apps.count) app(s) read \(share) of the machine, wanted \(expected)")
            }

            try await startApp()
            try await expectShare(under: caps[0])
            try await startApp()
            try await expectShare(under: caps[0])
            for cap in caps.dropFirst() {
                try throttle.setMachineFraction(cap)
                try await Task.sleep(for: .seconds(1))
                try await expectShare(under: cap)
            }

            let apps = running
            for app in apps { app.kill() }
            for app in apps { #expect(await app.result().status == .killed) }
            #expect(throttle.processGroups.isEmpty)
        }
    }
}
