// Fit times of our AutoETS and AutoTheta on the training part of the 7 shared series, for a
// side-by-side comparison with statsforecast (scripts/bench/statistical_speed.sh runs both and
// prints the ratios). The training part is the accuracy protocol's: rows with a missing target
// dropped, then every point before the last ⌊0.2·n⌋. Each fit is the whole automatic search,
// timed `reps` times (median reported) after one untimed fit of each model on a small series.
//
//   StatBench OUT.json DATA_DIR [--reps 5]
import ForecastIngest
import ForecastModels
import Foundation

let series: [(stem: String, target: String, season: Int)] = [
    ("airpassengers", "passengers", 12), ("sunspot_month", "sunspots", 1), ("lynx", "trappings", 1),
    ("seatbelts", "driverskilled", 12), ("vega_stocks", "aapl", 1), ("seattle_weather", "temp_max", 1),
    ("gold_prices", "price", 1),
]

var args = Array(CommandLine.arguments.dropFirst())
var reps = 5
if let i = args.firstIndex(of: "--reps"), i + 1 < args.count, let r = Int(args[i + 1]), r >= 1 {
    reps = r
    args.removeSubrange(i...(i + 1))
}
guard args.count == 2 else {
    FileHandle.standardError.write(Data("usage: StatBench OUT.json DATA_DIR [--reps 5]\n".utf8))
    exit(64)
}
let (outPath, dataDir) = (args[0], args[1])

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

// Untimed warm-up: a 48-point seasonal sine, as the statsforecast side does.
let warm: [Double] = (0..<48).map { (t: Int) -> Double in
    let x = Double(t)
    return 10 + sin(x * 2 * Double.pi / 12) + 0.01 * x
}
for m in [12, 1] {
    _ = try ETS.fitAuto(warm, seasonLength: m)
    _ = try Theta.fitAuto(warm, seasonLength: m)
}

var rows: [[String: Any]] = []
for (stem, target, season) in series {
    var options = IngestOptions(path: "\(dataDir)/\(stem).csv")
    options.target = target
    options.missing = .drop
    let y = try loadSeries(options).target
    let train = Array(y[0..<(y.count - Int((0.2 * Double(y.count)).rounded(.down)))])
    var models: [String: Any] = [:]
    var line = "\(stem.padding(toLength: 16, withPad: " ", startingAt: 0)) n_train=\(train.count)"
    for (name, fit) in [("AutoETS", { _ = try ETS.fitAuto(train, seasonLength: season) }),
                        ("AutoTheta", { _ = try Theta.fitAuto(train, seasonLength: season) })] as [(String, () throws -> Void)] {
        var times: [Double] = []
        for _ in 0..<reps { times.append(try seconds(fit)) }
        models[name] = ["median_seconds": median(times), "min_seconds": times.min()!, "max_seconds": times.max()!]
        line += " \(name)=\(String(format: "%.2f", median(times) * 1e3)) ms"
    }
    // The picks and their criteria, so a speed change can be checked not to change a result.
    let ets = try ETS.fitAuto(train, seasonLength: season)
    let theta = try Theta.fitAuto(train, seasonLength: season)
    let picks: [String: Any] = ["AutoETS": ["spec": ets.specName, "aicc": ets.aicc],
                                "AutoTheta": ["spec": theta.specName, "criterion": theta.criterion]]
    line += " picks \(ets.specName) aicc=\(ets.aicc) \(theta.specName) criterion=\(theta.criterion)"
    rows.append(["series": stem, "season": season, "n_train": train.count, "models": models, "picks": picks])
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
let document: [String: Any] = ["implementation": "forecast (Swift)", "reps": reps, "series": rows]
try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys])
    .write(to: URL(fileURLWithPath: outPath))
