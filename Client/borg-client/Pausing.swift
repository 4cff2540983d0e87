import BorgDonor

/// Shared by `pause` and `resume`.
enum Pausing {
    /// Saves the paused flag; the running daemon picks it up.
    static func set(_ paused: Bool, in directory: DataDirectory) throws {
        var configuration = try DonorConfiguration.load(from: directory)
        configuration.paused = paused
        try configuration.save(to: directory)
    }
}
