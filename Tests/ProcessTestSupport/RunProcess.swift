import Foundation
import Synchronization

/// Exit status and captured output of a finished child process.
public struct ProcessOutput: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

/// Runs the executable at `path` with `arguments` and waits for it. `stdin`, when given, is
/// written to the child's standard input, which is then closed. Standard output and standard
/// error are drained at the same time, so a child that fills one pipe while we read the other
/// cannot block.
@discardableResult
public func runProcess(_ path: String, _ arguments: [String], environment: [String: String]? = nil,
                       currentDirectory: URL? = nil, stdin: String? = nil) throws -> ProcessOutput {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    if let environment { process.environment = environment }
    if let currentDirectory { process.currentDirectoryURL = currentDirectory }
    let out = Pipe(), err = Pipe(), input = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try input.fileHandleForWriting.close()
    let outData = Mutex(Data())
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async { outData.withLock { $0 = out.fileHandleForReading.readDataToEndOfFile() }; group.leave() }
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    group.wait() // orders the reader's write before the read below
    process.waitUntilExit()
    return ProcessOutput(status: process.terminationStatus, stdout: outData.withLock { String(decoding: $0, as: UTF8.self) },
                         stderr: String(decoding: errData, as: UTF8.self))
}
