// swift-tools-version:6.0
import PackageDescription

// Targets follow the data: ingest → models → evaluation → report → workflow (fit, predict) →
// pipeline (scheduling) → CLI. ForecastCore holds the exit statuses and the error protocol every
// stage adopts. C libraries sit behind their own system-library targets (CCSV, CCBLAS, CDNNL)
// and never appear in a public Swift signature. Each edge below is an import in the code.
let package = Package(
    name: "forecast",
    products: [
        .executable(name: "forecast", targets: ["ForecastCLI"]),
        .library(name: "ForecastCore", targets: ["ForecastCore"]),
        .library(name: "ForecastIngest", targets: ["ForecastIngest"]),
        .library(name: "ForecastModels", targets: ["ForecastModels"]),
        .library(name: "ForecastEvaluation", targets: ["ForecastEvaluation"]),
        .library(name: "ForecastReport", targets: ["ForecastReport"]),
        .library(name: "ForecastWorkflow", targets: ["ForecastWorkflow"]),
        .library(name: "ForecastPipeline", targets: ["ForecastPipeline"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.0.0"..<"4.0.0"),
    ],
    targets: [
        // libcsv (LGPL-2.1, linked dynamically): Debian libcsv-dev.
        .systemLibrary(name: "CCSV", path: "Sources/CCSV", providers: [.apt(["libcsv-dev"])]),
        // CBLAS from OpenBLAS: Debian libopenblas-dev.
        .systemLibrary(name: "CCBLAS", path: "Sources/CCBLAS", providers: [.apt(["libopenblas-dev"])]),
        // oneDNN (Apache-2.0), for its single-precision GEMM: Debian libdnnl-dev.
        .systemLibrary(name: "CDNNL", path: "Sources/CDNNL", providers: [.apt(["libdnnl-dev"])]),
        // Float32 elementwise kernels of the recurrent layers, one copy per instruction set.
        // libm: fmaf, for the baseline copy of the kernels on processors without FMA.
        .target(name: "CForecastKernels", linkerSettings: [.linkedLibrary("m")]),
        // Fatal-signal handlers that free the pipeline lock first (RunLock).
        .target(name: "CCrashGuard"),

        .target(name: "ForecastCore"),
        .target(name: "ForecastIngest", dependencies: ["ForecastCore", "CCSV"]),
        .target(name: "ForecastModels", dependencies: [
            "ForecastCore", "CCBLAS", "CDNNL", "CForecastKernels",
            .product(name: "Numerics", package: "swift-numerics"),
        ]),
        .target(name: "ForecastEvaluation", dependencies: ["ForecastCore", "ForecastIngest"]),
        .target(name: "ForecastReport", dependencies: ["ForecastCore", "ForecastIngest", "ForecastEvaluation"]),
        .target(name: "ForecastWorkflow", dependencies: [
            "ForecastCore", "ForecastIngest", "ForecastModels", "ForecastEvaluation", "ForecastReport",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .target(name: "ForecastPipeline", dependencies: [
            "ForecastCore", "ForecastIngest", "ForecastModels", "ForecastEvaluation", "ForecastReport", "ForecastWorkflow",
            "CCrashGuard",
            .product(name: "Yams", package: "Yams"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "ForecastCLI", dependencies: [
            "ForecastCore", "ForecastIngest", "ForecastModels", "ForecastEvaluation", "ForecastReport", "ForecastWorkflow",
            "ForecastPipeline",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .testTarget(name: "ForecastCoreTests", dependencies: ["ForecastCore"]),
        .testTarget(name: "ForecastIngestTests", dependencies: ["ForecastIngest"]),
        .testTarget(name: "ForecastModelsTests", dependencies: ["ForecastModels", "CForecastKernels"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "ForecastEvaluationTests", dependencies: ["ForecastEvaluation", "ForecastIngest"],
                    exclude: ["Scripts"]),
        .testTarget(name: "ForecastReportTests", dependencies: ["ForecastReport", "ForecastEvaluation", "ForecastIngest"]),
        // Shared by the test targets: the child-process runner, the portfolio summary comparison.
        .target(name: "ProcessTestSupport", path: "Tests/ProcessTestSupport"),
        .testTarget(name: "ForecastWorkflowTests",
                    dependencies: ["ForecastWorkflow", "ForecastIngest", "ForecastModels", "ForecastEvaluation", "ProcessTestSupport"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "ForecastPipelineTests", dependencies: [
            "ForecastPipeline", "ForecastWorkflow", "ForecastReport", "ForecastIngest", "ProcessTestSupport",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "ForecastCLITests", dependencies: [
            "ForecastCLI", "ForecastIngest", "ForecastModels", "ForecastWorkflow", "ProcessTestSupport",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Yams", package: "Yams"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
