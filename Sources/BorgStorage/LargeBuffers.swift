/// Keeps glibc from mapping and unmapping fresh pages for every piece-sized buffer: by default an
/// allocation of 128 KiB or more is a new mmap, which made a 1 MiB segment's coding about ten times slower.
/// Process-wide; done once by whatever moves segments (the uploader, the downloader, the piece server, repair).
public enum LargeBuffers {
    /// Raises the mmap and trim thresholds (64 MiB and 256 MiB) once per process.
    public static func configure() { _ = once }

    private static let once: Void = {
        // glibc's <malloc.h>: M_TRIM_THRESHOLD is -1, M_MMAP_THRESHOLD -3.
        _ = mallopt(-3, 64 << 20)
        _ = mallopt(-1, 256 << 20)
    }()
}

/// glibc's `mallopt`, which the Glibc module does not export.
@_silgen_name("mallopt")
private func mallopt(_ parameter: Int32, _ value: Int32) -> Int32
