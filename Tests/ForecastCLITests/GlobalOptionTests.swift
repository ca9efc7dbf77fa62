import ArgumentParser
import Foundation
import Testing
@testable import ForecastCLI
@testable import ForecastWorkflow

@Suite("forecast fit --global and --series-embedding")
struct GlobalOptionTests {
    @Test("--global and --series-embedding set the configuration of a portfolio run")
    func parsed() throws {
        let fit = try Fit.parse(["a.csv", "--targets", "all", "--global", "--series-embedding", "onehot"])
        #expect(fit.configuration.global == true)
        #expect(fit.configuration.seriesEmbedding == .onehot)
        let plain = try Fit.parse(["a.csv", "--targets", "all"])
        #expect(plain.configuration.global == nil && plain.configuration.seriesEmbedding == nil)
        let none = try Fit.parse(["a.csv", "--targets", "all", "--global", "--series-embedding", "none"])
        #expect(none.configuration.seriesEmbedding == nil, "none is the default, stored as absent")
    }

    @Test("--global for one series, with --shard, and an embedding without --global are usage errors before anything is read")
    func refused() {
        for (arguments, message) in [
            (["a.csv", "--global"], "--global trains one network on the windows of many series, but this run has one series: give several files, --id-column or --targets, or drop --global"),
            (["a.csv", "--targets", "all", "--global", "--shard", "0/2"], "a global network is trained on every series in one process; drop --shard or --global"),
        ] {
            do {
                _ = try Fit.parse(arguments)
                Issue.record("\(arguments) should not validate")
            } catch {
                #expect(Fit.message(for: error) == message)
                #expect(Fit.exitCode(for: error).rawValue == 64)
            }
        }
        do {
            _ = try Fit.parse(["a.csv", "--targets", "all", "--series-embedding", "onehot"])
            Issue.record("an embedding without --global should not validate")
        } catch {
            #expect(Fit.message(for: error).contains("--series-embedding: onehot is an input of the global networks, but global networks are off"))
            #expect(Fit.exitCode(for: error).rawValue == 64)
        }
    }
}
