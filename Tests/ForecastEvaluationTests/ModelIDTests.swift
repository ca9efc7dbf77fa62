import Foundation
import Testing
import ForecastIngest
@testable import ForecastEvaluation

/// A model's id is what programs read; its name is what people read. They differ only where the
/// name carries detail (the seasonal naive's season length).
@Suite("stable model ids")
struct ModelIDTests {
    let series: [Double] = (0..<60).map { (t: Int) -> Double in
        let x = Double(t)
        return 20 + 5 * sin(x * Double.pi / 2) + 0.1 * x
    }
    let dates: [Date] = (0..<60).map { Date(timeIntervalSince1970: 1_700_006_400 + 86_400 * Double($0)) }

    @Test("baselines carry their --models spelling as id, whatever their display name; other models keep the id they were given")
    func idsAreStoredNotDerivedFromNames() {
        let split = SeriesSplit(train: 0..<36, validation: 36..<48, test: 48..<60)
        let evaluator = RunEvaluator(series: series, dates: dates, frequency: .daily, split: split, season: 4)
        let custom = ModelOutput(name: "deep", kind: .recurrent, parameters: 10,
                                 validationForecasts: RollingForecasts(origins: Array(split.validation), oneStep: split.validation.map { series[$0] }),
                                 testForecasts: RollingForecasts(origins: Array(split.test), oneStep: split.test.map { series[$0] }),
                                 nextForecast: [1])
        // A model whose display name looks like a baseline's keeps its own id.
        let lookalike = ModelOutput.failed(name: "seasonal naive (m=7)", id: "lookalike", kind: .recurrent, reason: "test")
        let run = evaluator.evaluate(models: [custom, lookalike])
        #expect(run.models.map(\.name) == ["naive", "seasonal naive (m=4)", "drift", "deep", "seasonal naive (m=7)"])
        #expect(run.models.map(\.id) == ["naive", "snaive", "drift", "deep", "lookalike"])
    }

    @Test("a baseline that fails for too little data keeps its id")
    func failedBaselineKeepsItsID() {
        let split = SeriesSplit(train: 0..<3, validation: 3..<30, test: 30..<60)
        let run = RunEvaluator(series: series, dates: dates, frequency: .daily, split: split, season: 12).evaluate(models: [])
        let snaive = run.models.first { $0.id == "snaive" }
        #expect(snaive?.name == "seasonal naive (m=12)")
        #expect(snaive?.status.isOK == false)
    }
}
