using System.CommandLine;
using ILGpuNet.Training.Data.Synthetic;

namespace ILGpuNet.Cli.Commands;

/// <summary>
/// <c>ilgpunet synth</c>: a deterministic synthetic OASIS-like cohort (README, "Synthetic cohort"), written
/// into a temporary folder and renamed into place when complete.
/// </summary>
internal static class SynthCommand
{
    public static Command Create(TextWriter output)
    {
        var outDir = new Option<DirectoryInfo>("--out") { Description = "Folder to write the cohort to (OASIS layout and CSV)", Required = true };
        var subjects = new Option<int>("--subjects") { Description = "Subjects (OASIS-1 has 416)", DefaultValueFactory = _ => 100 };
        var seed = new Option<int>("--seed") { Description = "Seed: the same seed and options give byte-identical files", DefaultValueFactory = _ => 1 };
        var grid = new Option<string>("--grid") { Description = "Grid over the MNI152 2 mm field of view, e.g. 91x109x91 or 48x56x48", DefaultValueFactory = _ => "91x109x91" };
        var scans = new Option<int>("--scans") { Description = "At most this many scans (mpr-N) per session, 1-4 (OASIS: 3 or 4)", DefaultValueFactory = _ => 4 };
        var command = new Command("synth", "Write a synthetic OASIS-like cohort: brain phantoms with planted age, sex and dementia effects")
        {
            outDir, subjects, seed, grid, scans,
        };
        command.SetAction(parse =>
        {
            int n = parse.GetValue(subjects), maxScans = parse.GetValue(scans);
            if (n < 1 || n > 9999) throw new CliException("--subjects must be between 1 and 9999");
            if (maxScans < 1 || maxScans > 4) throw new CliException("--scans must be between 1 and 4");
            SyntheticGrid cohortGrid;
            try
            {
                cohortGrid = SyntheticGrid.Parse(parse.GetValue(grid)!);
            }
            catch (ArgumentException e)
            {
                throw new CliException($"--grid: {e.Message}");
            }
            var options = new SyntheticCohortOptions
            {
                OutputDirectory = parse.GetValue(outDir)!.FullName,
                Subjects = n,
                Seed = parse.GetValue(seed),
                Grid = cohortGrid,
                MaxScans = maxScans,
            };
            output.WriteLine($"synth: {options.Subjects} subjects, seed {options.Seed}, grid {options.Grid} -> {options.OutputDirectory}");
            var cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
            var result = SyntheticCohort.GenerateAtomically(options, progress: line => output.WriteLine($"  {line}"));
            cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpu;
            var s = result.Subjects;
            int sessions = s.Sum(x => x.Sessions.Count);
            output.WriteLine($"{s.Count} subjects ({s.Count(x => x.Sex == SyntheticSex.Female)} F), {sessions} sessions ({sessions - s.Count} MR2), {result.Scans} scans; "
                             + $"ages {s.Min(x => x.Age)}-{s.Max(x => x.Age)}; CDR blank/0/0.5/1/2: {s.Count(x => x.Cdr is null)}/{s.Count(x => x.Cdr == 0)}/"
                             + $"{s.Count(x => x.Cdr == 0.5)}/{s.Count(x => x.Cdr == 1)}/{s.Count(x => x.Cdr == 2)}");
            output.WriteLine($"{result.Elapsed.TotalSeconds:F1} s wall, {cpu.TotalSeconds:F1} s CPU ({cpu.TotalMilliseconds / result.Scans:F0} ms CPU per scan); "
                             + $"per scan {result.RenderTime.TotalMilliseconds / result.Scans:F0} ms rendering + {result.WriteTime.TotalMilliseconds / result.Scans:F0} ms writing, wall time summed over threads");
            output.WriteLine($"wrote {result.CsvPath}, {SyntheticCohort.TruthName} and {SyntheticCohort.MarkerName}");
            return 0;
        });
        return command;
    }
}
