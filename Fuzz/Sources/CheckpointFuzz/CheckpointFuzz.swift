// libFuzzer entry point over the checkpoint reader. Byte 0 of an input chooses: bit 0, rewrite
// the last 4 bytes as the CRC of the others (so inputs get past the checksum, as a crafted file
// would); bits 1–2, the length of the in-memory series predicted from (8, 40, 300 or 2 rows).
// The rest is the checkpoint file. It goes through what `forecast predict` does with it:
// `Checkpoint.decode`, `validate` (bounds, parameter count, finite weights),
// `CheckpointMetadata(reading:)` (consistency with the header, finite non-zero scales),
// `makeNetwork`, then `Prediction.forecast` on a series with the metadata's columns. Every input
// must end in a forecast of finite values or in a ForecastError with a non-zero exit status; a
// trap, an abort (allocation) or a NaN forecast is a finding.
import ForecastCore
import ForecastIngest
import ForecastModels
@_spi(Fuzzing) import ForecastWorkflow
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let control = bytes.first else { return 0 }
    var body = Array(bytes.dropFirst())
    if control & 1 != 0, body.count >= 4 {
        let crc = CRC32.checksum(body[0..<(body.count - 4)])
        for k in 0..<4 { body[body.count - 4 + k] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(k))) }
    }
    let rows = [8, 40, 300, 2][Int(control >> 1 & 0x03)]
    do {
        let checkpoint = try Checkpoint.decode(body, path: "fuzz.ckpt")
        try checkpoint.validate(path: "fuzz.ckpt")
        let net = try checkpoint.makeNetwork()
        precondition(net.parameterCount == checkpoint.parameters.count)
        precondition(net.timeSteps == checkpoint.timeSteps && net.inputDim == checkpoint.inputDim && net.outputDim == checkpoint.outputDim)
        let meta = try CheckpointMetadata(reading: checkpoint, path: "fuzz.ckpt")
        // A series with the metadata's columns: a smooth positive curve per column.
        let names = meta.features
        var values: [[Double]] = []
        for d in names.indices { values.append((0..<rows).map { 100 + Double(d) + 10 * sin(Double($0) / 5) }) }
        let target = names.firstIndex(of: meta.target).map { values[$0] } ?? (0..<rows).map { 50 + Double($0 % 7) }
        let series = Series(dates: nil, targetName: meta.target, featureNames: names, values: values, target: target,
                            frequency: .unknown, summary: IngestSummary(file: "fuzz.csv"))
        let p = try Prediction.forecast(checkpoint: checkpoint, metadata: meta, series: series,
                                        checkpointPath: "fuzz.ckpt", csvPath: "fuzz.csv")
        precondition(p.points.count == checkpoint.outputDim, "forecast of the wrong length")
        precondition(p.points.allSatisfy { $0.value.isFinite }, "a non-finite forecast")
    } catch let error as any ForecastError {
        precondition(error.exitCode != 0 && !error.message.isEmpty)
    } catch {
        preconditionFailure("not a ForecastError: \(error)")
    }
    return 0
}
