namespace ILGpuNet.Layers.Verification;

public static partial class OpChecks
{
    [CheckFamily]
    private static IEnumerable<OpCheck> Losses()
    {
        // Cross-entropy: targets are exact class indices (constants); distinct class weights make the
        // weighted-mean denominator matter. N = 1, K = 7 and a long row (K = 1000) included.
        foreach (var (n, k, weighted) in new[] { (4, 3, false), (3, 2, false), (1, 7, true), (5, 7, true), (6, 7, false), (2, 1000, true) })
        {
            var inputs = new List<CheckInput> { CheckInput.Normal(n, k), CheckInput.Constant([n], r => r.Next(k)) };
            if (weighted) inputs.Add(CheckInput.Constant([k], r => 0.25 + 1.75 * r.NextDouble()));
            yield return new GradCheck("cross_entropy", inputs.ToArray(),
                x => Ops.CrossEntropy(x[0], x[1], weighted ? x[2] : null),
                x => Reference.CrossEntropy(x[0], x[1], weighted ? x[2] : null, n, k)) { CoveredOps = ["cross_entropy", "CrossEntropy"] };
        }

        // Pointwise losses run through a fused sum whose CUDA variant uses barriers. 210 elements exercise
        // the Float4 body and the scalar tail.
        int[] odd = [2, 3, 5, 7];
        string[] bce = ["bce_with_logits", "BinaryCrossEntropyWithLogits"];
        var probability = CheckInput.Constant(odd, r => r.NextDouble());
        yield return new GradCheck("bce_with_logits", [CheckInput.Uniform(-6, 6, odd), probability],
            x => Ops.BinaryCrossEntropyWithLogits(x[0], x[1]),
            x => Reference.BinaryCrossEntropyWithLogits(x[0], x[1], null)) { CoveredOps = bce };
        yield return new GradCheck("bce_with_logits", [CheckInput.Uniform(-6, 6, 5, 7), CheckInput.Constant([5, 7], r => r.NextDouble()),
                CheckInput.Constant([7], r => 0.5 + 2.5 * r.NextDouble())],
            x => Ops.BinaryCrossEntropyWithLogits(x[0], x[1], x[2]),
            x => Reference.BinaryCrossEntropyWithLogits(x[0], x[1], x[2])) { CoveredOps = bce };
        // Soft targets that require a gradient, with pos_weight.
        yield return new GradCheck("bce_with_logits", [CheckInput.Uniform(-6, 6, 3, 5, 7), CheckInput.Uniform(0, 1, 3, 5, 7),
                CheckInput.Constant([7], r => 0.5 + 2.5 * r.NextDouble())],
            x => Ops.BinaryCrossEntropyWithLogits(x[0], x[1], x[2]),
            x => Reference.BinaryCrossEntropyWithLogits(x[0], x[1], x[2])) { CoveredOps = bce };

        yield return new GradCheck("mse_loss", [CheckInput.Normal(odd), CheckInput.Constant(odd, CheckInput.Gaussian)],
            x => Ops.MseLoss(x[0], x[1]), x => Reference.MseLoss(x[0], x[1])) { CoveredOps = ["mse_loss", "MseLoss"], Details = "target const" };
        yield return new GradCheck("mse_loss", [CheckInput.Normal(odd), CheckInput.Normal(odd)],
            x => Ops.MseLoss(x[0], x[1]), x => Reference.MseLoss(x[0], x[1])) { CoveredOps = ["mse_loss", "MseLoss"], Details = "target grad" };

        // L1 and Huber have kinks at d = 0 and |d| = delta. Predictions are integer + [0.2, 0.4] and targets
        // integers, so |d| mod 1 lies in [0.2, 0.4] or [0.6, 0.8]: at least 0.1 from every multiple of 0.5.
        var pred = new CheckInput(odd, r => r.Next(-3, 3) + 0.2 + 0.2 * r.NextDouble());
        var target = CheckInput.Constant(odd, r => r.Next(-3, 3));
        var gradTarget = new CheckInput(odd, r => r.Next(-3, 3));
        yield return new GradCheck("l1_loss", [pred, target], x => Ops.L1Loss(x[0], x[1]),
            x => Reference.L1Loss(x[0], x[1])) { CoveredOps = ["l1_loss", "L1Loss"], Details = "target const" };
        yield return new GradCheck("l1_loss", [pred, gradTarget], x => Ops.L1Loss(x[0], x[1]),
            x => Reference.L1Loss(x[0], x[1])) { CoveredOps = ["l1_loss", "L1Loss"], Details = "target grad" };
        yield return new GradCheck("huber_loss", [pred, target], x => Ops.HuberLoss(x[0], x[1]),
            x => Reference.HuberLoss(x[0], x[1], 1)) { CoveredOps = ["huber_loss", "HuberLoss"], Details = "delta 1 target const" };
        yield return new GradCheck("huber_loss", [pred, gradTarget], x => Ops.HuberLoss(x[0], x[1], 0.5f),
            x => Reference.HuberLoss(x[0], x[1], 0.5)) { CoveredOps = ["huber_loss", "HuberLoss"], Details = "delta 0.5 target grad" };
    }
}
