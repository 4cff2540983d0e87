import ArgumentParser
import BorgCore

/// Ids (a batch's, …) as command-line arguments: their decimal text.
extension Identifier: ExpressibleByArgument {}
