#!/usr/bin/env python3
"""Self-test of the GPU script's Python side without a GPU or PyTorch: compare.py, train_summary.py and the
"ours" columns of torch_ops.py / torch_kernels.py on hand-made JSON with missing files, missing keys, NaN
and cut-short files. Run by `run.sh --dry-run` and by the xunit test GpuScriptTests (where python3 exists).

  python3 benchmarks/gpu/test_scripts.py
"""
import json, math, os, subprocess, sys, tempfile, types, unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def write(folder, name, content):
    path = os.path.join(folder, name)
    with open(path, "w") as f:
        f.write(content if isinstance(content, str) else json.dumps(content))
    return path


def bench(engine, precision, batch, **fields):
    doc = {"engine": engine, "precision": precision, "grid": [91, 109, 91], "batch": batch, "classes": 2,
           "train_step_ms_median": 200.0, "samples_per_s": batch / 0.2, "inference_ms_median": 50.0,
           "peak_memory_bytes": 30 * 2 ** 30, "device": "H100"}
    if engine == "pytorch":
        doc["torch"] = "2.5"
    doc.update(fields)
    return doc


class CompareTests(unittest.TestCase):
    def run_compare(self, *paths):
        p = subprocess.run([sys.executable, os.path.join(HERE, "compare.py"), *paths], capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertNotIn("Traceback", p.stdout + p.stderr)
        return p.stdout

    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.d = self.dir.name

    def tearDown(self):
        self.dir.cleanup()

    def test_ours_missing_keeps_pytorch_figures(self):
        strict = write(self.d, "torch-strict-b32.json", bench("pytorch", "strict", 32, train_step_ms_median=123.45))
        default = write(self.d, "torch-default-b32.json", bench("pytorch", "default", 32))
        out = self.run_compare(os.path.join(self.d, "bench-b32.json"), strict, default)
        self.assertIn("bench-b32.json: missing", out)
        self.assertIn("ours: missing at batch 32", out)
        self.assertIn("123.45", out)
        self.assertRegex(out, r"train step ms, batch 32\s+missing\s+123\.45")

    def test_nan_and_missing_keys(self):
        ours = bench("ilgpunet", "strict", 32, train_step_ms_median="NaN", samples_per_s=float("nan"), launches_per_step=1200)
        del ours["inference_ms_median"]
        ours["breakdown"] = [{"op": "conv3d", "ms": "NaN", "share": None}, {"ms": 1.0}]
        files = [write(self.d, "bench-b32.json", json.dumps(ours)),  # json.dumps writes NaN bare, as Python reads it
                 write(self.d, "torch-strict-b32.json", bench("pytorch", "strict", 32, peak_memory_bytes=None, breakdown=[{"op": "conv3d", "ms": 5.0, "share": 1.0}])),
                 write(self.d, "nobatch.json", {"engine": "ilgpunet", "grid": "91x109x91"}),
                 write(self.d, "badgrid.json", bench("ilgpunet", "strict", 8, grid="big")),
                 write(self.d, "roofline.json", {"roofline": {"bandwidth_gbps": "NaN"}})]
        out = self.run_compare(*files)
        self.assertIn("nobatch.json: no usable grid or batch", out)
        self.assertIn("badgrid.json: no usable grid or batch", out)
        self.assertIn("roofline: incomplete", out)
        self.assertRegex(out, r"train step ms, batch 32\s+missing\s+200\.00")
        self.assertRegex(out, r"kernel launches per step, batch 32\s+1200")

    def test_unreadable_files_and_nothing_to_compare(self):
        files = [write(self.d, "cut.json", '{"engine": "ilgpunet", "batch": 3'), write(self.d, "list.json", "[1, 2]"),
                 write(self.d, "empty.json", ""), os.path.join(self.d, "absent.json")]
        out = self.run_compare(*files)
        self.assertIn("cut.json: missing", out)
        self.assertIn("list.json: missing", out)
        self.assertIn("absent.json: missing", out)
        self.assertIn("nothing to compare", out)
        self.assertIn("nothing to compare", self.run_compare())

    def test_kernels_without_ours_and_with_nan(self):
        torch_doc = write(self.d, "torch.json", {"torch": "2.5", "kernels": {"add": {"ms": 1.5, "rate": 100.0, "unit": "GB/s"}, "bad": "x"}})
        out = self.run_compare(os.path.join(self.d, "ours.json"), torch_doc)
        self.assertIn("ours: missing (no kernelbench JSON)", out)
        self.assertRegex(out, r"add\s+missing\s+GB/s\s+1\.500")
        ours = write(self.d, "ours.json", '{"device": "H100", "compile_s": 3.5, "compiled_kernels": 20, "roofline": {"bandwidth_gbps": 3000, "fp32_gflops": 60000},'
                                          ' "kernels": [{"Kernel": "add", "MedianMs": "NaN", "Rate": NaN, "Unit": "GB/s", "RooflineShare": "NaN"}, {"Shape": "?"}]}')
        out = self.run_compare(ours, torch_doc)
        self.assertRegex(out, r"add\s+missing\s+missing\s+GB/s\s+-\s+1\.500")
        self.assertRegex(out, r"ours\.json\s+20 kernels\s+3\.5 s")

    def test_train_against_bench(self):
        train = write(self.d, "train.json", {"kind": "train", "grid": "91x109x91", "batch": 32, "epochs": 2, "samples_per_s": 144.0,
                                             "first_epoch_samples_per_s": None, "data_wait_s": None, "peak_device_memory_bytes": None})
        ours = write(self.d, "bench-b32.json", bench("ilgpunet", "strict", 32))  # 160 samples/s
        out = self.run_compare(train, ours)
        self.assertRegex(out, r"train / bench\s+90\.0 % \(meets the target\)")
        self.assertRegex(out, r"data wait \(last epoch\)\s+n/a")
        out = self.run_compare(train)
        self.assertRegex(out, r"bench samples/s\s+missing")
        self.assertRegex(out, r"train / bench\s+missing\n")


class TrainSummaryTests(unittest.TestCase):
    def summarise(self, run_dir, *args):
        out = os.path.join(run_dir, "train.json")
        p = subprocess.run([sys.executable, os.path.join(HERE, "train_summary.py"), run_dir, *args, "--json", out],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        with open(out) as f:
            return json.load(f), p.stdout

    def test_full_run_folder(self):
        with tempfile.TemporaryDirectory() as d:
            write(d, "metrics.csv", "epoch,lr,train_loss,val_loss,samples_per_s,seconds,data_wait_s\n1,0.001,0.7,0.6,50,20,4.0\n2,0.0005,0.6,0.5,100,10,1.0\n")
            write(d, "summary.json", {"device": "cuda: H100", "train_scans": 530, "wall_seconds": 40})
            write(d, "config.json", {"grid": "91x109x91", "batch_size": 32, "epochs": 2})
            mem = write(d, "memory.log", "1000\n5000\n41000\n39000\n")
            doc, out = self.summarise(d, "--memory-log", mem)
            self.assertEqual(doc["samples_per_s"], 100)
            self.assertEqual(doc["first_epoch_samples_per_s"], 50)
            self.assertEqual(doc["data_wait_s"], 1.0)
            self.assertAlmostEqual(doc["data_wait_share"], 1.0 / (512 / 100))  # 16 whole batches of 32
            self.assertEqual(doc["peak_device_memory_bytes"], 40000 * 2 ** 20)
            self.assertEqual((doc["grid"], doc["batch"], doc["epochs"]), ("91x109x91", 32, 2))
            self.assertIn("data wait (last epoch) 1.0 s", out)

    def test_without_data_wait_or_anything(self):
        with tempfile.TemporaryDirectory() as d:
            write(d, "metrics.csv", "epoch,lr,train_loss,val_loss,samples_per_s,seconds\n1,0.001,0.7,0.6,NaN,20\n")
            doc, out = self.summarise(d)
            self.assertIsNone(doc["data_wait_s"])
            self.assertIsNone(doc["samples_per_s"])
            self.assertIn("data wait (last epoch) n/a", out)
        with tempfile.TemporaryDirectory() as d:
            doc, out = self.summarise(d, "--grid", "91x109x91", "--batch", "32", "--memory-log", os.path.join(d, "none.log"))
            self.assertEqual((doc["epochs_run"], doc["batch"], doc["grid"]), (0, 32, "91x109x91"))
            self.assertIn("missing", out)


class TorchScriptOursTests(unittest.TestCase):
    """The PyTorch scripts' comparison columns, with a stand-in torch module (the columns need no torch)."""

    @classmethod
    def setUpClass(cls):
        if "torch" not in sys.modules:
            fake = types.ModuleType("torch")
            fake.nn = types.ModuleType("torch.nn")
            fake.nn.functional = types.ModuleType("torch.nn.functional")
            sys.modules.update({"torch": fake, "torch.nn": fake.nn, "torch.nn.functional": fake.nn.functional})
        import torch_kernels, torch_ops
        cls.kernels, cls.ops = torch_kernels, torch_ops

    def test_ops_ratio_columns(self):
        r = {"ForwardMs": 2.0, "BackwardMs": float("nan")}
        self.assertIn("ours: missing", self.ops.compare_cells(r, None))
        cells = self.ops.compare_cells(r, {"ForwardMs": 1.0, "BackwardMs": "NaN"})
        self.assertEqual(cells.split(), ["2.00", "missing"])
        self.assertEqual(r["ForwardRatio"], 2.0)
        self.assertIsNone(r["BackwardRatio"])
        self.assertEqual(self.ops.compare_cells({"ForwardMs": 2.0, "BackwardMs": 1.0}, {"ForwardMs": 0}).split(), ["missing", "missing"])

    def test_kernel_rows(self):
        r = {"ms": 1.0, "rate": 10.0, "unit": "GB/s"}
        self.assertIn("missing", self.kernels.comparison_line("add", r, {}))
        self.assertIn("missing", self.kernels.comparison_line("add", r, {"add": {"MedianMs": "NaN"}}))
        line = self.kernels.comparison_line("gemm NN (tf32)", r, {"gemm NN": {"MedianMs": 0.5, "Rate": 20.0}})
        self.assertEqual(line.split()[-1], "2.00")

    def test_loading_missing_and_nan_files(self):
        from benchjson import load, num
        self.assertIsNone(load("/nonexistent/ours.json"))
        self.assertIsNone(num("NaN"))
        self.assertIsNone(num(float("inf")))
        self.assertIsNone(num(True))
        self.assertEqual(num(3), 3.0)
        self.assertTrue(math.isfinite(num(1e300)))


if __name__ == "__main__":
    unittest.main(verbosity=1)
