import CZlib
import Foundation

/// gzip compression (zlib's deflate with a gzip header), for the statistics export's `.gz` files.
enum Gzip {
    /// `data` as a gzip file.
    static func compress(_ data: Data) throws -> Data {
        var stream = z_stream()
        // windowBits 15 + 16: a gzip header and trailer instead of zlib's.
        guard deflateInit2_(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                            ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK
        else { throw GzipError("zlib could not start compressing") }
        defer { deflateEnd(&stream) }
        var output = Data(count: Int(deflateBound(&stream, uLong(data.count))) + 32)
        let written: Int = try data.withUnsafeBytes { input in
            try output.withUnsafeMutableBytes { out in
                stream.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: Bytef.self).baseAddress)
                stream.avail_in = uInt(input.count)
                stream.next_out = out.bindMemory(to: Bytef.self).baseAddress
                stream.avail_out = uInt(out.count)
                guard deflate(&stream, Z_FINISH) == Z_STREAM_END else { throw GzipError("zlib could not finish compressing") }
                return Int(stream.total_out)
            }
        }
        return output.prefix(written)
    }
}

/// zlib refused: says which step.
struct GzipError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
