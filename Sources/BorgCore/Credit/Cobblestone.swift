/// BOINC's credit unit: 200 credits per GFLOPS-day, so figures compare with BOINC projects.
public enum Cobblestone {
    /// Credits per floating-point operation: 200 / (1e9 FLOPS × 86,400 s).
    public static let creditPerFlop = 200.0 / (1e9 * 86_400)

    /// Credit for `flops` floating-point operations.
    public static func credit(flops: Double) -> Double { flops * creditPerFlop }
}
