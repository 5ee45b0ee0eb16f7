using TorchPeer;

// libtorch (PyTorch's CPU backend through TorchSharp) as a side-by-side peer of ILGpuNet's CPU accelerator path.
// benchmarks/cpu/side-by-side.sh runs it alternately with ours; README.md here says what each command mirrors.
const string usage = """
    usage: dotnet run --project benchmarks/TorchPeer -c Release -- <command> [options]
      model [--grid 91x109x91]                      parameter count and state_dict names of the reference EfficientNet3d
      step  [--grid 91x109x91] [--batch 1] [--warmup 2] [--steps 5] [--json FILE]
                                                    training step and inference medians, as `ilgpunet bench --device cpu`
      ops   [--batch 1] [--repeats 10] [--op TEXT] [--json FILE]
                                                    the operator cases of `ilgpunet opbench`, forward and backward
    """;

try
{
    if (args.Length == 0 || args[0] is "-h" or "--help")
    {
        Console.WriteLine(usage);
        return args.Length == 0 ? 2 : 0;
    }
    Peer.Configure();
    var rest = args.Skip(1);
    return args[0] switch
    {
        "model" => ModelInfo.Run(new Options(rest, "--grid")),
        "step" => StepBench.Run(new Options(rest, "--grid", "--batch", "--warmup", "--steps", "--json")),
        "ops" => OpBench.Run(new Options(rest, "--batch", "--repeats", "--op", "--json")),
        _ => throw new UsageException($"unknown command '{args[0]}'"),
    };
}
catch (UsageException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    Console.Error.WriteLine(usage);
    return 2;
}
