#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The whole input as one allocated, read-only region the parser's threads share.
// @unchecked Sendable: the bytes are never written after creation.
final class InputRegion: @unchecked Sendable {
    let base: UnsafePointer<UInt8>
    let count: Int

    init(base: UnsafePointer<UInt8>, count: Int) {
        self.base = base
        self.count = count
    }

    deinit {
        UnsafeMutablePointer(mutating: base).deallocate()
    }
}

/// The bytes of the input, held in memory (a file is read whole by ``InputFile``, so a file
/// changed by another program cannot change what the parser and the error messages see).
///
/// Error paths re-read from the start (`lineContaining`), so the hot path keeps no line index.
final class ByteSource {
    private let bytes: [UInt8]
    private var position = 0
    /// Display name for messages.
    let name: String
    /// Total size in bytes.
    let size: Int?

    /// Reads all of `path` (or standard input for `-`) into memory through ``InputFile``; throws
    /// `.unreadablePath` (exit 10), `.inputChanged` (20) or `.inputTooLarge` (21).
    convenience init(path: String) throws {
        self.init(bytes: try InputFile.read(path), name: path)
    }

    init(bytes: [UInt8], name: String) {
        self.name = name
        self.bytes = bytes
        size = bytes.count
    }

    /// The whole input as one contiguous, read-only region (a copy the parser's threads share).
    func contents() throws -> InputRegion {
        let base = UnsafeMutablePointer<UInt8>.allocate(capacity: max(bytes.count, 1))
        bytes.withUnsafeBufferPointer { src in
            if let from = src.baseAddress { base.update(from: from, count: bytes.count) }
        }
        return InputRegion(base: UnsafePointer(base), count: bytes.count)
    }

    /// Reads up to `capacity` bytes into `buffer`; 0 at the end.
    func read(into buffer: UnsafeMutablePointer<UInt8>, capacity: Int) throws -> Int {
        let n = min(capacity, bytes.count - position)
        if n > 0 {
            bytes.withUnsafeBufferPointer { src in
                buffer.update(from: src.baseAddress! + position, count: n)
            }
        }
        position += n
        return n
    }

    /// Re-reads the input from the start and returns the 1-based line number of byte `offset`,
    /// the text of that line (decoded leniently, long lines cut) and the byte column in the line.
    /// Used only to build error messages. O(offset).
    func lineContaining(offset: Int) -> (line: Int, text: String, byteColumn: Int) {
        var line = 1
        var lineStart = 0
        var current: [UInt8] = []
        forEachByteChunk { chunk, chunkOffset in
            for (k, b) in chunk.enumerated() {
                let at = chunkOffset + k
                if at < offset {
                    if b == 0x0A {
                        line += 1
                        lineStart = at + 1
                        current.removeAll(keepingCapacity: true)
                    } else if b != 0x0D {
                        current.append(b)
                        if current.count > 400 { current.removeFirst(200) }
                    }
                } else {
                    if b == 0x0A || b == 0x0D || current.count >= 600 { return false }
                    current.append(b)
                }
            }
            return true
        }
        return (line, String(decoding: current, as: UTF8.self), offset - lineStart + 1)
    }

    /// The text of 1-based line `number` (up to 200 bytes, decoded leniently), or "" past the end.
    /// O(file size).
    func line(_ number: Int) -> String {
        String(decoding: rawLine(number, limit: 200), as: UTF8.self)
    }

    /// The bytes of 1-based line `number` without its line end, at most `limit` of them.
    func rawLine(_ number: Int, limit: Int) -> [UInt8] {
        var line = 1
        var collected: [UInt8] = []
        forEachByteChunk { chunk, _ in
            for b in chunk {
                if b == 0x0A {
                    if line == number { return false }
                    line += 1
                } else if line == number && b != 0x0D && collected.count < limit {
                    collected.append(b)
                }
            }
            return true
        }
        return collected
    }

    /// Calls `body` with the whole input from byte 0, independently of the streaming position.
    private func forEachByteChunk(_ body: ([UInt8], Int) -> Bool) {
        _ = body(bytes, 0)
    }
}
