import Crypto
import Foundation

/// SHA-256 of a file's bytes as lowercase hex; identifies the exact input of a run.
public func sha256Hex(of url: URL) throws -> String {
    let data = try Data(contentsOf: url)
    return sha256Hex(of: data)
}

/// SHA-256 of `data` as lowercase hex.
public func sha256Hex(of data: Data) -> String {
    SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
}
