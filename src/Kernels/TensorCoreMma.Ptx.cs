using ILGPU.Runtime.Cuda;

namespace ILGpuNet.Kernels;

// The inline PTX of TensorCoreMma, written out per register (ILGPU needs each asm text as a literal at its call site).
// Named registers, declared once per kernel by TensorCoreMma.Begin: mma_c<64> the warp tile's accumulators (m16 block i,
// n8 block j: mma_c[16i + 4j .. 16i + 4j + 3] = c0..c3), mma_a<16> / mma_as<16> the TF32 high / low parts of the four A
// fragments (block i: mma_a[4i .. 4i + 3] = a0..a3), mma_b<8> / mma_bs<8> those of the four B fragments (block j:
// mma_b[2j], mma_b[2j + 1] = b0, b1). 3xTF32 runs the small products first: a_small*b_big, a_big*b_small, a_big*b_big.
public static partial class TensorCoreMma
{
    private const string DeclareText = ".reg .f32 mma_c<64>; .reg .b32 mma_a<16>, mma_as<16>, mma_b<8>, mma_bs<8>; mov.f32 mma_c0, 0f00000000; mov.f32 mma_c1, 0f00000000; mov.f32 mma_c2, 0f00000000; mov.f32 mma_c3, 0f00000000; mov.f32 mma_c4, 0f00000000; mov.f32 mma_c5, 0f00000000; mov.f32 mma_c6, 0f00000000; mov.f32 mma_c7, 0f00000000; mov.f32 mma_c8, 0f00000000; mov.f32 mma_c9, 0f00000000; mov.f32 mma_c10, 0f00000000; mov.f32 mma_c11, 0f00000000; mov.f32 mma_c12, 0f00000000; mov.f32 mma_c13, 0f00000000; mov.f32 mma_c14, 0f00000000; mov.f32 mma_c15, 0f00000000; mov.f32 mma_c16, 0f00000000; mov.f32 mma_c17, 0f00000000; mov.f32 mma_c18, 0f00000000; mov.f32 mma_c19, 0f00000000; mov.f32 mma_c20, 0f00000000; mov.f32 mma_c21, 0f00000000; mov.f32 mma_c22, 0f00000000; mov.f32 mma_c23, 0f00000000; mov.f32 mma_c24, 0f00000000; mov.f32 mma_c25, 0f00000000; mov.f32 mma_c26, 0f00000000; mov.f32 mma_c27, 0f00000000; mov.f32 mma_c28, 0f00000000; mov.f32 mma_c29, 0f00000000; mov.f32 mma_c30, 0f00000000; mov.f32 mma_c31, 0f00000000; mov.f32 mma_c32, 0f00000000; mov.f32 mma_c33, 0f00000000; mov.f32 mma_c34, 0f00000000; mov.f32 mma_c35, 0f00000000; mov.f32 mma_c36, 0f00000000; mov.f32 mma_c37, 0f00000000; mov.f32 mma_c38, 0f00000000; mov.f32 mma_c39, 0f00000000; mov.f32 mma_c40, 0f00000000; mov.f32 mma_c41, 0f00000000; mov.f32 mma_c42, 0f00000000; mov.f32 mma_c43, 0f00000000; mov.f32 mma_c44, 0f00000000; mov.f32 mma_c45, 0f00000000; mov.f32 mma_c46, 0f00000000; mov.f32 mma_c47, 0f00000000; mov.f32 mma_c48, 0f00000000; mov.f32 mma_c49, 0f00000000; mov.f32 mma_c50, 0f00000000; mov.f32 mma_c51, 0f00000000; mov.f32 mma_c52, 0f00000000; mov.f32 mma_c53, 0f00000000; mov.f32 mma_c54, 0f00000000; mov.f32 mma_c55, 0f00000000; mov.f32 mma_c56, 0f00000000; mov.f32 mma_c57, 0f00000000; mov.f32 mma_c58, 0f00000000; mov.f32 mma_c59, 0f00000000; mov.f32 mma_c60, 0f00000000; mov.f32 mma_c61, 0f00000000; mov.f32 mma_c62, 0f00000000; mov.f32 mma_c63, 0f00000000;";
    private const string MmaRow0Text = "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c0, mma_c1, mma_c2, mma_c3}, {mma_a0, mma_a1, mma_a2, mma_a3}, {mma_b0, mma_b1}, {mma_c0, mma_c1, mma_c2, mma_c3}; mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c4, mma_c5, mma_c6, mma_c7}, {mma_a0, mma_a1, mma_a2, mma_a3}, {mma_b2, mma_b3}, {mma_c4, mma_c5, mma_c6, mma_c7}; mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c8, mma_c9, mma_c10, mma_c11}, {mma_a0, mma_a1, mma_a2, mma_a3}, {mma_b4, mma_b5}, {mma_c8, mma_c9, mma_c10, mma_c11}; mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c12, mma_c13, mma_c14, mma_c15}, {mma_a0, mma_a1, mma_a2, mma_a3}, {mma_b6, mma_b7}, {mma_c12, mma_c13, mma_c14, mma_c15};";
    private const string Mma3Row0Text = "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c0, mma_c1, mma_c2, mma_c3}, {mma_as0, mma_as1, mma_as2, mma_as3}, {mma_b0, mma_b1}, {mma_c0, mma_c1, mma_c2, mma_c3}; mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c0, mma_c1, mma_c2, mma_c3}, {mma_a0, mma_a1, mma_a2, mma_a3}, {mma_bs0, mma_bs1}, {mma_c0, mma_c1, mma_c2, mma_c3}; mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c0, mma_c1, mma_c2, mma_c3}, {mma_a0, mma_a1, mma_a2, mma_a3}, {mma_b0, mma_b1}, {mma_c0, mma_c1, mma_c2, mma_c3}; mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c4, mma_c5, mma_c6, mma_c7}, {mma_as0, mma_as1, mma_as2, mma_as3}, {mma_b2, mma_b3}, {mma_c4, mma_c5, mma_c6, mma_c7}; mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c4, mma_c5, mma_c6, mma_c7}, {mma_a0, mma_a1, mma_a2, mma_a3}, {mma_bs2, mma_bs3}, {mma_c4, mma_c5, mma_c6, mma_c7}; mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c4, mma_c5, mma_c6, mma_c7}, {mma_a0, mma_a1, mma_a2, mma_a3}, {mma_b2, mma_b3}, {mma_c4, mma_c5, mma_c6, mma_c7}; mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c8, mma_c9, mma_c10, mma_c11}, {mma_as0, mma_as1, mma_as2, mma_as3}, {mma_b4, mma_b5}, {mma_c8, mma_c9, mma_c10, mma_c11}; mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c8, mma_c9, mma_c10, mma_c11}, {mma_a0, mma_a1, mma_a2, mma_a3}, {mma_bs4, mma_bs5}, {mma_c8, mma_c9, mma_c10, mma_c11}; mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c8, mma_c9, mma_c10, mma_c11}, {mma_a0, mma_a1, mma_a2, mma_a3}, {mma_b4, mma_b5}, {mma_c8, mma_c9, mma_c10, mma_c11}; mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c12, mma_c13, mma_c14, mma_c15}, {mma_as0, mma_as1, mma_as2, mma_as3}, {mma_b6, mma_b7}, {mma_c12, mma_c13, mma_c14, mma_c15}; mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c12, mma_c13, mma_c14, mma_c15}, {mma_a0, mma_a1, mma_a2, mma_a3}, {mma_bs6, mma_bs7}, {mma_c12, mma_c13, mma_c14, mma_c15}; mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c12, mma_c13, mma_c14, mma_c15}, {mma_a0, mma_a1, mma_a2, mma_a3}, {mma_b6, mma_b7}, {mma_c12, mma_c13, mma_c14, mma_c15};";
    private const string MmaRow1Text = "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c16, mma_c17, mma_c18, mma_c19}, {mma_a4, mma_a5, mma_a6, mma_a7}, {mma_b0, mma_b1}, {mma_c16, mma_c17, mma_c18, mma_c19}; mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c20, mma_c21, mma_c22, mma_c23}, {mma_a4, mma_a5, mma_a6, mma_a7}, {mma_b2, mma_b3}, {mma_c20, mma_c21, mma_c22, mma_c23}; mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c24, mma_c25, mma_c26, mma_c27}, {mma_a4, mma_a5, mma_a6, mma_a7}, {mma_b4, mma_b5}, {mma_c24, mma_c25, mma_c26, mma_c27}; mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c28, mma_c29, mma_c30, mma_c31}, {mma_a4, mma_a5, mma_a6, mma_a7}, {mma_b6, mma_b7}, {mma_c28, mma_c29, mma_c30, mma_c31};";
    private const string Mma3Row1Text = "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c16, mma_c17, mma_c18, mma_c19}, {mma_as4, mma_as5, mma_as6, mma_as7}, {mma_b0, mma_b1}, {mma_c16, mma_c17, mma_c18, mma_c19}; mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c16, mma_c17, mma_c18, mma_c19}, {mma_a4, mma_a5, mma_a6, mma_a7}, {mma_bs0, mma_bs1}, {mma_c16, mma_c17, mma_c18, mma_c19}; mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c16, mma_c17, mma_c18, mma_c19}, {mma_a4, mma_a5, mma_a6, mma_a7}, {mma_b0, mma_b1}, {mma_c16, mma_c17, mma_c18, mma_c19}; mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c20, mma_c21, mma_c22, mma_c23}, {mma_as4, mma_as5, mma_as6, mma_as7}, {mma_b2, mma_b3}, {mma_c20, mma_c21, mma_c22, mma_c23}; mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c20, mma_c21, mma_c22, mma_c23}, {mma_a4, mma_a5, mma_a6, mma_a7}, {mma_bs2, mma_bs3}, {mma_c20, mma_c21, mma_c22, mma_c23}; mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c20, mma_c21, mma_c22, mma_c23}, {mma_a4, mma_a5, mma_a6, mma_a7}, {mma_b2, mma_b3}, {mma_c20, mma_c21, mma_c22, mma_c23}; mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c24, mma_c25, mma_c26, mma_c27}, {mma_as4, mma_as5, mma_as6, mma_as7}, {mma_b4, mma_b5}, {mma_c24, mma_c25, mma_c26, mma_c27}; mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c24, mma_c25, mma_c26, mma_c27}, {mma_a4, mma_a5, mma_a6, mma_a7}, {mma_bs4, mma_bs5}, {mma_c24, mma_c25, mma_c26, mma_c27}; mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c24, mma_c25, mma_c26, mma_c27}, {mma_a4, mma_a5, mma_a6, mma_a7}, {mma_b4, mma_b5}, {mma_c24, mma_c25, mma_c26, mma_c27}; mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c28, mma_c29, mma_c30, mma_c31}, {mma_as4, mma_as5, mma_as6, mma_as7}, {mma_b6, mma_b7}, {mma_c28, mma_c29, mma_c30, mma_c31}; mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c28, mma_c29, mma_c30, mma_c31}, {mma_a4, mma_a5, mma_a6, mma_a7}, {mma_bs6, mma_bs7}, {mma_c28, mma_c29, mma_c30, mma_c31}; mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c28, mma_c29, mma_c30, mma_c31}, {mma_a4, mma_a5, mma_a6, mma_a7}, {mma_b6, mma_b7}, {mma_c28, mma_c29, mma_c30, mma_c31};";
    private const string MmaRow2Text = "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c32, mma_c33, mma_c34, mma_c35}, {mma_a8, mma_a9, mma_a10, mma_a11}, {mma_b0, mma_b1}, {mma_c32, mma_c33, mma_c34, mma_c35}; mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c36, mma_c37, mma_c38, mma_c39}, {mma_a8, mma_a9, mma_a10, mma_a11}, {mma_b2, mma_b3}, {mma_c36, mma_c37, mma_c38, mma_c39}; mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c40, mma_c41, mma_c42, mma_c43}, {mma_a8, mma_a9, mma_a10, mma_a11}, {mma_b4, mma_b5}, {mma_c40, mma_c41, mma_c42, mma_c43}; mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c44, mma_c45, mma_c46, mma_c47}, {mma_a8, mma_a9, mma_a10, mma_a11}, {mma_b6, mma_b7}, {mma_c44, mma_c45, mma_c46, mma_c47};";
    private const string Mma3Row2Text = "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c32, mma_c33, mma_c34, mma_c35}, {mma_as8, mma_as9, mma_as10, mma_as11}, {mma_b0, mma_b1}, {mma_c32, mma_c33, mma_c34, mma_c35}; mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c32, mma_c33, mma_c34, mma_c35}, {mma_a8, mma_a9, mma_a10, mma_a11}, {mma_bs0, mma_bs1}, {mma_c32, mma_c33, mma_c34, mma_c35}; mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c32, mma_c33, mma_c34, mma_c35}, {mma_a8, mma_a9, mma_a10, mma_a11}, {mma_b0, mma_b1}, {mma_c32, mma_c33, mma_c34, mma_c35}; mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c36, mma_c37, mma_c38, mma_c39}, {mma_as8, mma_as9, mma_as10, mma_as11}, {mma_b2, mma_b3}, {mma_c36, mma_c37, mma_c38, mma_c39}; mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c36, mma_c37, mma_c38, mma_c39}, {mma_a8, mma_a9, mma_a10, mma_a11}, {mma_bs2, mma_bs3}, {mma_c36, mma_c37, mma_c38, mma_c39}; mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c36, mma_c37, mma_c38, mma_c39}, {mma_a8, mma_a9, mma_a10, mma_a11}, {mma_b2, mma_b3}, {mma_c36, mma_c37, mma_c38, mma_c39}; mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c40, mma_c41, mma_c42, mma_c43}, {mma_as8, mma_as9, mma_as10, mma_as11}, {mma_b4, mma_b5}, {mma_c40, mma_c41, mma_c42, mma_c43}; mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c40, mma_c41, mma_c42, mma_c43}, {mma_a8, mma_a9, mma_a10, mma_a11}, {mma_bs4, mma_bs5}, {mma_c40, mma_c41, mma_c42, mma_c43}; mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c40, mma_c41, mma_c42, mma_c43}, {mma_a8, mma_a9, mma_a10, mma_a11}, {mma_b4, mma_b5}, {mma_c40, mma_c41, mma_c42, mma_c43}; mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c44, mma_c45, mma_c46, mma_c47}, {mma_as8, mma_as9, mma_as10, mma_as11}, {mma_b6, mma_b7}, {mma_c44, mma_c45, mma_c46, mma_c47}; mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c44, mma_c45, mma_c46, mma_c47}, {mma_a8, mma_a9, mma_a10, mma_a11}, {mma_bs6, mma_bs7}, {mma_c44, mma_c45, mma_c46, mma_c47}; mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c44, mma_c45, mma_c46, mma_c47}, {mma_a8, mma_a9, mma_a10, mma_a11}, {mma_b6, mma_b7}, {mma_c44, mma_c45, mma_c46, mma_c47};";
    private const string MmaRow3Text = "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c48, mma_c49, mma_c50, mma_c51}, {mma_a12, mma_a13, mma_a14, mma_a15}, {mma_b0, mma_b1}, {mma_c48, mma_c49, mma_c50, mma_c51}; mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c52, mma_c53, mma_c54, mma_c55}, {mma_a12, mma_a13, mma_a14, mma_a15}, {mma_b2, mma_b3}, {mma_c52, mma_c53, mma_c54, mma_c55}; mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c56, mma_c57, mma_c58, mma_c59}, {mma_a12, mma_a13, mma_a14, mma_a15}, {mma_b4, mma_b5}, {mma_c56, mma_c57, mma_c58, mma_c59}; mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c60, mma_c61, mma_c62, mma_c63}, {mma_a12, mma_a13, mma_a14, mma_a15}, {mma_b6, mma_b7}, {mma_c60, mma_c61, mma_c62, mma_c63};";
    private const string Mma3Row3Text = "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c48, mma_c49, mma_c50, mma_c51}, {mma_as12, mma_as13, mma_as14, mma_as15}, {mma_b0, mma_b1}, {mma_c48, mma_c49, mma_c50, mma_c51}; mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c48, mma_c49, mma_c50, mma_c51}, {mma_a12, mma_a13, mma_a14, mma_a15}, {mma_bs0, mma_bs1}, {mma_c48, mma_c49, mma_c50, mma_c51}; mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c48, mma_c49, mma_c50, mma_c51}, {mma_a12, mma_a13, mma_a14, mma_a15}, {mma_b0, mma_b1}, {mma_c48, mma_c49, mma_c50, mma_c51}; mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c52, mma_c53, mma_c54, mma_c55}, {mma_as12, mma_as13, mma_as14, mma_as15}, {mma_b2, mma_b3}, {mma_c52, mma_c53, mma_c54, mma_c55}; mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c52, mma_c53, mma_c54, mma_c55}, {mma_a12, mma_a13, mma_a14, mma_a15}, {mma_bs2, mma_bs3}, {mma_c52, mma_c53, mma_c54, mma_c55}; mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c52, mma_c53, mma_c54, mma_c55}, {mma_a12, mma_a13, mma_a14, mma_a15}, {mma_b2, mma_b3}, {mma_c52, mma_c53, mma_c54, mma_c55}; mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c56, mma_c57, mma_c58, mma_c59}, {mma_as12, mma_as13, mma_as14, mma_as15}, {mma_b4, mma_b5}, {mma_c56, mma_c57, mma_c58, mma_c59}; mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c56, mma_c57, mma_c58, mma_c59}, {mma_a12, mma_a13, mma_a14, mma_a15}, {mma_bs4, mma_bs5}, {mma_c56, mma_c57, mma_c58, mma_c59}; mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c56, mma_c57, mma_c58, mma_c59}, {mma_a12, mma_a13, mma_a14, mma_a15}, {mma_b4, mma_b5}, {mma_c56, mma_c57, mma_c58, mma_c59}; mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c60, mma_c61, mma_c62, mma_c63}, {mma_as12, mma_as13, mma_as14, mma_as15}, {mma_b6, mma_b7}, {mma_c60, mma_c61, mma_c62, mma_c63}; mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c60, mma_c61, mma_c62, mma_c63}, {mma_a12, mma_a13, mma_a14, mma_a15}, {mma_bs6, mma_bs7}, {mma_c60, mma_c61, mma_c62, mma_c63}; mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {mma_c60, mma_c61, mma_c62, mma_c63}, {mma_a12, mma_a13, mma_a14, mma_a15}, {mma_b6, mma_b7}, {mma_c60, mma_c61, mma_c62, mma_c63};";
    private const string CvtA0Text = "cvt.rna.tf32.f32 mma_a0, %0; cvt.rna.tf32.f32 mma_a1, %1; cvt.rna.tf32.f32 mma_a2, %2; cvt.rna.tf32.f32 mma_a3, %3;";
    private const string SplitA0Text = "{ .reg .f32 r; cvt.rna.tf32.f32 mma_a0, %0; sub.f32 r, %0, mma_a0; cvt.rna.tf32.f32 mma_as0, r; cvt.rna.tf32.f32 mma_a1, %1; sub.f32 r, %1, mma_a1; cvt.rna.tf32.f32 mma_as1, r; cvt.rna.tf32.f32 mma_a2, %2; sub.f32 r, %2, mma_a2; cvt.rna.tf32.f32 mma_as2, r; cvt.rna.tf32.f32 mma_a3, %3; sub.f32 r, %3, mma_a3; cvt.rna.tf32.f32 mma_as3, r; }";
    private const string CvtA1Text = "cvt.rna.tf32.f32 mma_a4, %0; cvt.rna.tf32.f32 mma_a5, %1; cvt.rna.tf32.f32 mma_a6, %2; cvt.rna.tf32.f32 mma_a7, %3;";
    private const string SplitA1Text = "{ .reg .f32 r; cvt.rna.tf32.f32 mma_a4, %0; sub.f32 r, %0, mma_a4; cvt.rna.tf32.f32 mma_as4, r; cvt.rna.tf32.f32 mma_a5, %1; sub.f32 r, %1, mma_a5; cvt.rna.tf32.f32 mma_as5, r; cvt.rna.tf32.f32 mma_a6, %2; sub.f32 r, %2, mma_a6; cvt.rna.tf32.f32 mma_as6, r; cvt.rna.tf32.f32 mma_a7, %3; sub.f32 r, %3, mma_a7; cvt.rna.tf32.f32 mma_as7, r; }";
    private const string CvtA2Text = "cvt.rna.tf32.f32 mma_a8, %0; cvt.rna.tf32.f32 mma_a9, %1; cvt.rna.tf32.f32 mma_a10, %2; cvt.rna.tf32.f32 mma_a11, %3;";
    private const string SplitA2Text = "{ .reg .f32 r; cvt.rna.tf32.f32 mma_a8, %0; sub.f32 r, %0, mma_a8; cvt.rna.tf32.f32 mma_as8, r; cvt.rna.tf32.f32 mma_a9, %1; sub.f32 r, %1, mma_a9; cvt.rna.tf32.f32 mma_as9, r; cvt.rna.tf32.f32 mma_a10, %2; sub.f32 r, %2, mma_a10; cvt.rna.tf32.f32 mma_as10, r; cvt.rna.tf32.f32 mma_a11, %3; sub.f32 r, %3, mma_a11; cvt.rna.tf32.f32 mma_as11, r; }";
    private const string CvtA3Text = "cvt.rna.tf32.f32 mma_a12, %0; cvt.rna.tf32.f32 mma_a13, %1; cvt.rna.tf32.f32 mma_a14, %2; cvt.rna.tf32.f32 mma_a15, %3;";
    private const string SplitA3Text = "{ .reg .f32 r; cvt.rna.tf32.f32 mma_a12, %0; sub.f32 r, %0, mma_a12; cvt.rna.tf32.f32 mma_as12, r; cvt.rna.tf32.f32 mma_a13, %1; sub.f32 r, %1, mma_a13; cvt.rna.tf32.f32 mma_as13, r; cvt.rna.tf32.f32 mma_a14, %2; sub.f32 r, %2, mma_a14; cvt.rna.tf32.f32 mma_as14, r; cvt.rna.tf32.f32 mma_a15, %3; sub.f32 r, %3, mma_a15; cvt.rna.tf32.f32 mma_as15, r; }";
    private const string CvtB0Text = "cvt.rna.tf32.f32 mma_b0, %0; cvt.rna.tf32.f32 mma_b1, %1; cvt.rna.tf32.f32 mma_b2, %2; cvt.rna.tf32.f32 mma_b3, %3;";
    private const string SplitB0Text = "{ .reg .f32 r; cvt.rna.tf32.f32 mma_b0, %0; sub.f32 r, %0, mma_b0; cvt.rna.tf32.f32 mma_bs0, r; cvt.rna.tf32.f32 mma_b1, %1; sub.f32 r, %1, mma_b1; cvt.rna.tf32.f32 mma_bs1, r; cvt.rna.tf32.f32 mma_b2, %2; sub.f32 r, %2, mma_b2; cvt.rna.tf32.f32 mma_bs2, r; cvt.rna.tf32.f32 mma_b3, %3; sub.f32 r, %3, mma_b3; cvt.rna.tf32.f32 mma_bs3, r; }";
    private const string CvtB1Text = "cvt.rna.tf32.f32 mma_b4, %0; cvt.rna.tf32.f32 mma_b5, %1; cvt.rna.tf32.f32 mma_b6, %2; cvt.rna.tf32.f32 mma_b7, %3;";
    private const string SplitB1Text = "{ .reg .f32 r; cvt.rna.tf32.f32 mma_b4, %0; sub.f32 r, %0, mma_b4; cvt.rna.tf32.f32 mma_bs4, r; cvt.rna.tf32.f32 mma_b5, %1; sub.f32 r, %1, mma_b5; cvt.rna.tf32.f32 mma_bs5, r; cvt.rna.tf32.f32 mma_b6, %2; sub.f32 r, %2, mma_b6; cvt.rna.tf32.f32 mma_bs6, r; cvt.rna.tf32.f32 mma_b7, %3; sub.f32 r, %3, mma_b7; cvt.rna.tf32.f32 mma_bs7, r; }";

    /// <summary>
    /// Writes the warp tile's sums, each where <paramref name="e"/> places it: target = sum * scale + add. On CUDA each
    /// sum goes from its named register straight to its target (one fma whose result ILGPU stores, no local memory).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    internal static void Write<TEpilogue>(WarpTile64x32 acc, int lane, TEpilogue e) where TEpilogue : struct, IMmaEpilogue
    {
        int g = lane >> 2, c = 2 * (lane & 3);
        var view = e.Target;
        float scale = e.Scale;
        MmaTarget p;
        p = e.Place(g + 0, c + 0);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c0, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T00.C0 * scale + p.Add; }
        p = e.Place(g + 0, c + 1);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c1, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T00.C1 * scale + p.Add; }
        p = e.Place(g + 8, c + 0);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c2, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T00.C2 * scale + p.Add; }
        p = e.Place(g + 8, c + 1);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c3, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T00.C3 * scale + p.Add; }
        p = e.Place(g + 0, c + 8);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c4, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T01.C0 * scale + p.Add; }
        p = e.Place(g + 0, c + 9);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c5, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T01.C1 * scale + p.Add; }
        p = e.Place(g + 8, c + 8);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c6, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T01.C2 * scale + p.Add; }
        p = e.Place(g + 8, c + 9);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c7, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T01.C3 * scale + p.Add; }
        p = e.Place(g + 0, c + 16);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c8, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T02.C0 * scale + p.Add; }
        p = e.Place(g + 0, c + 17);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c9, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T02.C1 * scale + p.Add; }
        p = e.Place(g + 8, c + 16);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c10, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T02.C2 * scale + p.Add; }
        p = e.Place(g + 8, c + 17);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c11, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T02.C3 * scale + p.Add; }
        p = e.Place(g + 0, c + 24);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c12, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T03.C0 * scale + p.Add; }
        p = e.Place(g + 0, c + 25);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c13, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T03.C1 * scale + p.Add; }
        p = e.Place(g + 8, c + 24);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c14, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T03.C2 * scale + p.Add; }
        p = e.Place(g + 8, c + 25);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c15, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T03.C3 * scale + p.Add; }
        p = e.Place(g + 16, c + 0);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c16, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T10.C0 * scale + p.Add; }
        p = e.Place(g + 16, c + 1);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c17, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T10.C1 * scale + p.Add; }
        p = e.Place(g + 24, c + 0);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c18, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T10.C2 * scale + p.Add; }
        p = e.Place(g + 24, c + 1);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c19, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T10.C3 * scale + p.Add; }
        p = e.Place(g + 16, c + 8);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c20, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T11.C0 * scale + p.Add; }
        p = e.Place(g + 16, c + 9);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c21, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T11.C1 * scale + p.Add; }
        p = e.Place(g + 24, c + 8);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c22, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T11.C2 * scale + p.Add; }
        p = e.Place(g + 24, c + 9);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c23, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T11.C3 * scale + p.Add; }
        p = e.Place(g + 16, c + 16);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c24, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T12.C0 * scale + p.Add; }
        p = e.Place(g + 16, c + 17);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c25, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T12.C1 * scale + p.Add; }
        p = e.Place(g + 24, c + 16);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c26, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T12.C2 * scale + p.Add; }
        p = e.Place(g + 24, c + 17);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c27, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T12.C3 * scale + p.Add; }
        p = e.Place(g + 16, c + 24);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c28, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T13.C0 * scale + p.Add; }
        p = e.Place(g + 16, c + 25);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c29, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T13.C1 * scale + p.Add; }
        p = e.Place(g + 24, c + 24);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c30, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T13.C2 * scale + p.Add; }
        p = e.Place(g + 24, c + 25);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c31, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T13.C3 * scale + p.Add; }
        p = e.Place(g + 32, c + 0);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c32, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T20.C0 * scale + p.Add; }
        p = e.Place(g + 32, c + 1);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c33, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T20.C1 * scale + p.Add; }
        p = e.Place(g + 40, c + 0);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c34, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T20.C2 * scale + p.Add; }
        p = e.Place(g + 40, c + 1);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c35, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T20.C3 * scale + p.Add; }
        p = e.Place(g + 32, c + 8);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c36, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T21.C0 * scale + p.Add; }
        p = e.Place(g + 32, c + 9);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c37, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T21.C1 * scale + p.Add; }
        p = e.Place(g + 40, c + 8);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c38, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T21.C2 * scale + p.Add; }
        p = e.Place(g + 40, c + 9);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c39, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T21.C3 * scale + p.Add; }
        p = e.Place(g + 32, c + 16);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c40, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T22.C0 * scale + p.Add; }
        p = e.Place(g + 32, c + 17);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c41, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T22.C1 * scale + p.Add; }
        p = e.Place(g + 40, c + 16);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c42, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T22.C2 * scale + p.Add; }
        p = e.Place(g + 40, c + 17);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c43, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T22.C3 * scale + p.Add; }
        p = e.Place(g + 32, c + 24);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c44, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T23.C0 * scale + p.Add; }
        p = e.Place(g + 32, c + 25);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c45, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T23.C1 * scale + p.Add; }
        p = e.Place(g + 40, c + 24);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c46, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T23.C2 * scale + p.Add; }
        p = e.Place(g + 40, c + 25);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c47, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T23.C3 * scale + p.Add; }
        p = e.Place(g + 48, c + 0);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c48, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T30.C0 * scale + p.Add; }
        p = e.Place(g + 48, c + 1);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c49, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T30.C1 * scale + p.Add; }
        p = e.Place(g + 56, c + 0);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c50, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T30.C2 * scale + p.Add; }
        p = e.Place(g + 56, c + 1);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c51, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T30.C3 * scale + p.Add; }
        p = e.Place(g + 48, c + 8);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c52, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T31.C0 * scale + p.Add; }
        p = e.Place(g + 48, c + 9);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c53, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T31.C1 * scale + p.Add; }
        p = e.Place(g + 56, c + 8);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c54, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T31.C2 * scale + p.Add; }
        p = e.Place(g + 56, c + 9);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c55, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T31.C3 * scale + p.Add; }
        p = e.Place(g + 48, c + 16);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c56, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T32.C0 * scale + p.Add; }
        p = e.Place(g + 48, c + 17);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c57, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T32.C1 * scale + p.Add; }
        p = e.Place(g + 56, c + 16);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c58, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T32.C2 * scale + p.Add; }
        p = e.Place(g + 56, c + 17);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c59, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T32.C3 * scale + p.Add; }
        p = e.Place(g + 48, c + 24);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c60, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T33.C0 * scale + p.Add; }
        p = e.Place(g + 48, c + 25);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c61, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T33.C1 * scale + p.Add; }
        p = e.Place(g + 56, c + 24);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c62, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T33.C2 * scale + p.Add; }
        p = e.Place(g + 56, c + 25);
        if (p.Index >= 0) { if (CudaAsm.IsSupported) CudaAsm.Emit("fma.rn.f32 %0, mma_c63, %1, %2;", out view[p.Index], scale, p.Add); else view[p.Index] = acc.T33.C3 * scale + p.Add; }
    }
}
