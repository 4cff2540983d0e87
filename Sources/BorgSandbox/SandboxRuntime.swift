/// The runtime an app version needs: a WebAssembly module run by WasmKit, or a native
/// Linux executable run as a separate, limited process.
public enum SandboxRuntime: String, Codable, Sendable, CaseIterable {
    /// A WASI preview 1 command module (`_start` export), interpreted by WasmKit.
    case wasm
    /// A native executable for this host's OS and architecture.
    case native
}
