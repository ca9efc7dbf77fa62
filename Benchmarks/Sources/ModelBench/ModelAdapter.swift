import ForecastModels

/// One model of a workload, ready to train and infer through the product's own code paths.
///
/// Training calls ForecastModels' `train(_:train:config:)` for one epoch: contiguous
/// mini-batches (shuffle off), Adam lr 1e-3, MSE, and every extra the benchmark's PyTorch
/// loop does not have switched off (no clipping, early stopping, plateau or best-weight
/// restore). Per batch that is zeroGrad, forward, loss, backward, Adam step, as in
/// bench_torch.py; it also gathers each batch from X (T, N, D) into a (T, B, D) buffer and
/// computes the gradient norm, which PyTorch's loop does not (both O(batch) copies/sums).
/// Inference is `Network.predict` over all N windows in batches of 1024.
final class NetworkRunner {
    let net: Network<Float>
    let data: WindowData
    let inferData: WindowData
    let config: TrainingConfig

    /// Model descriptions matching bench_torch.py's MLP and Recurrent modules.
    static func description(model: String, hidden h: Int) -> String {
        model == "mlp" ? "flatten > dense(\(h), relu) > dense(\(h), relu) > dense(1)" : "\(model)(\(h)) > dense(1)"
    }

    init(model: String, workload w: Workload, data: WindowData, inferData: WindowData) throws {
        net = try Network<Float>(description: Self.description(model: model, hidden: w.H), timeSteps: w.T,
                                 inputDim: w.D, outputDim: 1, seed: 0, initScheme: .pytorch)
        self.data = data
        self.inferData = inferData
        config = TrainingConfig(maxEpochs: 1, batchSize: w.B, learningRate: 1e-3, optimizer: .adam, loss: .mse,
                                clipNorm: 0, patience: 0, lrPlateauPatience: 0, shuffle: false,
                                restoreBestWeights: false)
    }

    /// One training epoch; returns the epoch's mean training loss.
    func trainEpoch() -> Double {
        let result = train(net, train: (x: data.x, y: data.y, count: data.count), config: config)
        return result.epochs.last?.trainLoss ?? .nan
    }

    /// Predictions for all inference windows; returns their sum (keeps the work observable).
    func inferAll() -> Double {
        let p = net.predict(x: inferData.x, count: inferData.count, batchSize: inferBatch)
        return p.reduce(0) { $0 + Double($1) }
    }
}
