using LeNet.Compiler;
using LeNet.Inference;
using LeNet.Kernels.Tiles;
using LeNet.Layers;

namespace LeNet.Wasm;

/// <summary>
/// Emits a <see cref="PredictorPlan"/> as one WebAssembly module of f32x4 SIMD code (<see cref="WasmProgram"/>):
/// a function per stage, called in order by <c>forward</c>. The feature maps live in the arena channels-last,
/// [Hp, Wp, C4] (C4 = channels rounded up to 4, a zero border of the map's padding), so every stage
/// vectorizes over 4 channels: a convolution broadcasts one input value per tap against 4 output channels'
/// weights, packed [I, k, k, O4]; a dense layer broadcasts one input against 4 outputs' weights, packed
/// [In, Out4]. Sums run in the managed stages' order (bias, then the taps input channel by input channel,
/// row by row; a dense layer's inputs in [C, H, W] order) with separate multiplies and adds; sigmoid is the
/// managed kernels' polynomial (<see cref="Kernels.Simd.Vector128Ops.Sigmoid"/>); a pool's mean is its sum
/// times 1/(k·k).
/// </summary>
internal static class WasmPlanEmitter
{
    /// <summary>At most this many accumulators of output channels per pass (the rest of the 16 locals V8 keeps in registers hold the input and the pointers).</summary>
    private const int Group = 8;

    /// <summary>Emits <paramref name="plan"/> (its stages' current weights).</summary>
    /// <exception cref="NotSupportedException">A stage has no WebAssembly form (the managed stages then run).</exception>
    public static WasmProgram Emit(PredictorPlan plan)
    {
        var arena = new List<float>();
        TileMap[] maps = plan.Maps;
        int[] strides = [.. maps.Select(m => Align4(m.Channels))];

        // The maps first (their zero borders are never written), then each stage's packed weights.
        int[] mapOffsets = new int[maps.Length];
        for (int m = 0; m < maps.Length; m++)
        {
            mapOffsets[m] = Reserve(arena, maps[m].PaddedHeight * maps[m].PaddedWidth * strides[m]);
        }

        var writer = new WasmModuleWriter();
        var layout = new Layout(maps, strides, mapOffsets);
        foreach (Stage stage in plan.Stages)
        {
            writer.Add(stage switch
            {
                ConvStage conv => Conv(conv, arena, layout),
                LinearStage dense => Dense(dense, arena, layout),
                PoolStage pool => Pool(pool, layout),
                ActivationStage activation => Activation(activation, layout),
                _ => throw new NotSupportedException($"WasmPlanEmitter: the stage {stage.GetType().Name} has no WebAssembly form."),
            });
        }

        var forward = new WasmCode(3);
        CopyMap(forward, maps[0], strides[0], mapOffsets[0], toMap: true);
        for (int s = 0; s < plan.Stages.Length; s++)
        {
            forward.Get(0);
            forward.Call(s);
        }

        CopyMap(forward, maps[^1], strides[^1], mapOffsets[^1], toMap: false);
        writer.Export("forward", writer.Add(forward));
        return new WasmProgram(writer.ToArray(), [.. arena], maps[0].Features, maps[^1].Features);
    }

    private static int Align4(int n) => (n + 3) / 4 * 4;

    /// <summary>Appends <paramref name="floats"/> zeros (16-byte aligned) and returns their byte offset.</summary>
    private static int Reserve(List<float> arena, int floats)
    {
        int start = arena.Count;
        arena.AddRange(new float[Align4(floats)]);
        return start * sizeof(float);
    }

    private static int Append(List<float> arena, float[] values)
    {
        int offset = arena.Count * sizeof(float);
        arena.AddRange(values);
        arena.AddRange(new float[Align4(values.Length) - values.Length]);
        return offset;
    }

    /// <summary>The maps as the arena holds them: shapes, channel strides (C4) and byte offsets.</summary>
    private sealed record Layout(TileMap[] Maps, int[] Strides, int[] Offsets);

    /// <summary>The input [C, H, W] at <c>input</c> into map 0's interior, or the last map's interior out to <c>output</c> [C, H, W].</summary>
    private static void CopyMap(WasmCode f, TileMap map, int stride, int mapOffset, bool toMap)
    {
        int c = f.Local(WasmCode.I32), y = f.Local(WasmCode.I32), x = f.Local(WasmCode.I32);
        int flat = f.Local(WasmCode.I32), pixel = f.Local(WasmCode.I32);
        int interior = mapOffset + (((map.Pad * map.PaddedWidth) + map.Pad) * stride * sizeof(float));
        f.Get(toMap ? 1 : 2);
        f.Set(flat);
        Loop(f, c, map.Channels, () =>
        {
            Loop(f, y, map.Height, () =>
            {
                Loop(f, x, map.Width, () =>
                {
                    // pixel = arena + c·4 + (y·Wp + x)·C4·4
                    f.Get(0);
                    f.Get(c);
                    f.I32Const(sizeof(float));
                    f.I32Mul();
                    f.I32Add();
                    f.Get(y);
                    f.I32Const(map.PaddedWidth * stride * sizeof(float));
                    f.I32Mul();
                    f.I32Add();
                    f.Get(x);
                    f.I32Const(stride * sizeof(float));
                    f.I32Mul();
                    f.I32Add();
                    f.Set(pixel);
                    if (toMap)
                    {
                        f.Get(pixel);
                        f.Get(flat);
                        f.F32Load(0);
                        f.F32Store(interior);
                    }
                    else
                    {
                        f.Get(flat);
                        f.Get(pixel);
                        f.F32Load(interior);
                        f.F32Store(0);
                    }

                    f.Increment(flat, sizeof(float));
                });
            });
        });
    }

    /// <summary>for (i = 0; i &lt; count; i++) body — a do-while, as count ≥ 1; no loop at all for count 1.</summary>
    internal static void Loop(WasmCode f, int counter, int count, Action body)
    {
        f.I32Const(0);
        f.Set(counter);
        if (count == 1)
        {
            body();
            return;
        }

        f.Loop();
        body();
        f.Increment(counter, 1);
        f.Get(counter);
        f.I32Const(count);
        f.I32LtS();
        f.BrIf(0);
        f.End();
    }

    /// <summary>pointer = arena + a·scaleA + b·scaleB.</summary>
    private static void Pointer(WasmCode f, int pointer, int a, int scaleA, int b, int scaleB)
    {
        f.Get(0);
        f.Get(a);
        f.I32Const(scaleA);
        f.I32Mul();
        f.I32Add();
        f.Get(b);
        f.I32Const(scaleB);
        f.I32Mul();
        f.I32Add();
        f.Set(pointer);
    }

    /// <summary>
    /// A convolution (+ activation + 2×2 stride-2 pool): per output pixel and group of up to 8 vectors of
    /// output channels, acc = bias; then for each input channel, kernel row and column, acc += x · w with x
    /// the input value broadcast.
    /// </summary>
    private static WasmCode Conv(ConvStage stage, List<float> arena, Layout layout)
    {
        (TileMap[] maps, int[] strides, int[] mo) = layout;
        (Kernels.ConvGeometry g, float[] weight, float[] bias, ActivationKind activation, Pool2d? pool) = stage.Parts;
        TileMap input = maps[stage.Input], output = maps[stage.Output];
        int ci = g.InChannels, co4 = Align4(g.OutChannels), k = g.Kernel, s = g.Stride;
        int csi = strides[stage.Input], cso = strides[stage.Output];
        int wpi = input.PaddedWidth, wpo = output.PaddedWidth;
        int delta = input.Pad - g.Padding;

        // Weights [O, I, k, k] packed [I, k, k, O4]; bias [O4]; the padding channels' weights and bias are zero.
        var packed = new float[ci * k * k * co4];
        for (int o = 0; o < g.OutChannels; o++)
        {
            for (int t = 0; t < ci * k * k; t++)
            {
                packed[(t * co4) + o] = weight[(o * ci * k * k) + t];
            }
        }

        int weights = Append(arena, packed);
        var paddedBias = new float[co4];
        bias.CopyTo(paddedBias, 0);
        int biases = Append(arena, paddedBias);

        var f = new WasmCode(1);
        int oy = f.Local(WasmCode.I32), ox = f.Local(WasmCode.I32), ic = f.Local(WasmCode.I32);
        int pixel = f.Local(WasmCode.I32), icIn = f.Local(WasmCode.I32), icW = f.Local(WasmCode.I32), outPixel = f.Local(WasmCode.I32);
        int x = f.Local(WasmCode.V128);
        int[] acc = [.. Enumerable.Range(0, Group).Select(_ => f.Local(WasmCode.V128))];
        int[] pooled = [.. Enumerable.Range(0, Group).Select(_ => f.Local(WasmCode.V128))];
        var sigmoid = new SigmoidLocals(f);
        int step = pool is null ? 1 : 2;
        (int Dy, int Dx)[] positions = pool is null ? [(0, 0)] : [(0, 0), (0, 1), (1, 0), (1, 1)];
        Loop(f, oy, output.Height, () => Loop(f, ox, output.Width, () =>
        {
            Pointer(f, outPixel, oy, wpo * cso * sizeof(float), ox, cso * sizeof(float));
            for (int g0 = 0; g0 < co4 / 4; g0 += Group)
            {
                int vectors = Math.Min(Group, (co4 / 4) - g0);
                for (int q = 0; q < positions.Length; q++)
                {
                    (int dy, int dx) = positions[q];

                    // pixel = arena + input map + ((cy·s + δ)·Wp + cx·s + δ)·C4·4, with (cy, cx) = (oy·step + dy, ox·step + dx).
                    Pointer(f, pixel, oy, step * s * wpi * csi * sizeof(float), ox, step * s * csi * sizeof(float));
                    f.Get(pixel);
                    f.AddConst(((((dy * s) + delta) * wpi) + (dx * s) + delta) * csi * sizeof(float));
                    f.AddConst(mo[stage.Input]);
                    f.Set(icIn);
                    for (int j = 0; j < vectors; j++)
                    {
                        f.Get(0);
                        f.V128Load(biases + ((g0 + j) * 16));
                        f.Set(acc[j]);
                    }

                    f.Get(0);
                    f.Set(icW);
                    Loop(f, ic, ci, () =>
                    {
                        for (int ky = 0; ky < k; ky++)
                        {
                            for (int kx = 0; kx < k; kx++)
                            {
                                f.Get(icIn);
                                f.V128Load32Splat(((ky * wpi) + kx) * csi * sizeof(float));
                                f.Set(x);
                                for (int j = 0; j < vectors; j++)
                                {
                                    f.Get(acc[j]);
                                    f.Get(x);
                                    f.Get(icW);
                                    f.V128Load(weights + (((((ky * k) + kx) * co4) + ((g0 + j) * 4)) * sizeof(float)));
                                    f.F32x4Mul();
                                    f.F32x4Add();
                                    f.Set(acc[j]);
                                }
                            }
                        }

                        f.Increment(icIn, sizeof(float));
                        f.Increment(icW, k * k * co4 * sizeof(float));
                    });
                    for (int j = 0; j < vectors; j++)
                    {
                        Activate(f, acc[j], activation, sigmoid);
                        if (pool is null)
                        {
                            continue;
                        }

                        if (q == 0)
                        {
                            f.Get(acc[j]);
                        }
                        else
                        {
                            f.Get(pooled[j]);
                            f.Get(acc[j]);
                            if (pool is MaxPool2d)
                            {
                                f.F32x4Max();
                            }
                            else
                            {
                                f.F32x4Add();
                            }
                        }

                        f.Set(pooled[j]);
                    }
                }

                for (int j = 0; j < vectors; j++)
                {
                    f.Get(outPixel);
                    f.Get(pool is null ? acc[j] : pooled[j]);
                    if (pool is AvgPool2d)
                    {
                        f.F32x4Const(0.25f);
                        f.F32x4Mul();
                    }

                    f.V128Store(mo[stage.Output] + ((((output.Pad * wpo) + output.Pad) * cso) + ((g0 + j) * 4)) * sizeof(float));
                }
            }
        }));
        return f;
    }

    /// <summary>A dense layer (+ activation): per group of up to 8 vectors of outputs, acc = bias; then for each input in [C, H, W] order, acc += x · w.</summary>
    private static WasmCode Dense(LinearStage stage, List<float> arena, Layout layout)
    {
        (TileMap[] maps, int[] strides, int[] mo) = layout;
        (float[] weight, float[] bias, ActivationKind activation) = stage.Parts;
        TileMap input = maps[stage.Input], output = maps[stage.Output];
        int inFeatures = input.Features, outFeatures = output.Features, o4 = Align4(outFeatures);
        int csi = strides[stage.Input], cso = strides[stage.Output], wpi = input.PaddedWidth;
        var packed = new float[inFeatures * o4];
        for (int o = 0; o < outFeatures; o++)
        {
            for (int i = 0; i < inFeatures; i++)
            {
                packed[(i * o4) + o] = weight[(o * inFeatures) + i];
            }
        }

        int weights = Append(arena, packed);
        var paddedBias = new float[o4];
        bias.CopyTo(paddedBias, 0);
        int biases = Append(arena, paddedBias);

        var f = new WasmCode(1);
        int c = f.Local(WasmCode.I32), y = f.Local(WasmCode.I32), xi = f.Local(WasmCode.I32);
        int cPtr = f.Local(WasmCode.I32), yPtr = f.Local(WasmCode.I32), xPtr = f.Local(WasmCode.I32), w = f.Local(WasmCode.I32);
        int x = f.Local(WasmCode.V128);
        int[] acc = [.. Enumerable.Range(0, Group).Select(_ => f.Local(WasmCode.V128))];
        var sigmoid = new SigmoidLocals(f);
        for (int g0 = 0; g0 < o4 / 4; g0 += Group)
        {
            int vectors = Math.Min(Group, (o4 / 4) - g0);
            for (int j = 0; j < vectors; j++)
            {
                f.Get(0);
                f.V128Load(biases + ((g0 + j) * 16));
                f.Set(acc[j]);
            }

            f.Get(0);
            f.Set(w);
            f.Get(0);
            f.AddConst(((input.Pad * wpi) + input.Pad) * csi * sizeof(float));
            f.AddConst(mo[stage.Input]);
            f.Set(cPtr);
            Loop(f, c, input.Channels, () =>
            {
                f.Get(cPtr);
                f.Set(yPtr);
                Loop(f, y, input.Height, () =>
                {
                    f.Get(yPtr);
                    f.Set(xPtr);
                    Loop(f, xi, input.Width, () =>
                    {
                        f.Get(xPtr);
                        f.V128Load32Splat(0);
                        f.Set(x);
                        for (int j = 0; j < vectors; j++)
                        {
                            f.Get(acc[j]);
                            f.Get(x);
                            f.Get(w);
                            f.V128Load(weights + ((g0 + j) * 16));
                            f.F32x4Mul();
                            f.F32x4Add();
                            f.Set(acc[j]);
                        }

                        f.Increment(w, o4 * sizeof(float));
                        f.Increment(xPtr, csi * sizeof(float));
                    });
                    f.Increment(yPtr, wpi * csi * sizeof(float));
                });
                f.Increment(cPtr, sizeof(float));
            });
            for (int j = 0; j < vectors; j++)
            {
                Activate(f, acc[j], activation, sigmoid);
                f.Get(0);
                f.Get(acc[j]);
                f.V128Store(mo[stage.Output] + ((((output.Pad * output.PaddedWidth) + output.Pad) * cso) + ((g0 + j) * 4)) * sizeof(float));
            }
        }

        return f;
    }

    /// <summary>A pool no convolution fused (any window and stride, no padding): per output pixel and vector of channels, the window's max, or its sum times 1/(k·k).</summary>
    private static WasmCode Pool(PoolStage stage, Layout layout)
    {
        (TileMap[] maps, int[] strides, int[] mo) = layout;
        (bool max, int k, int s) = stage.Parts;
        TileMap input = maps[stage.Input], output = maps[stage.Output];
        int cs = strides[stage.Input], wpi = input.PaddedWidth, wpo = output.PaddedWidth;
        var f = new WasmCode(1);
        int oy = f.Local(WasmCode.I32), ox = f.Local(WasmCode.I32), j = f.Local(WasmCode.I32);
        int inPtr = f.Local(WasmCode.I32), outPtr = f.Local(WasmCode.I32);
        Loop(f, oy, output.Height, () => Loop(f, ox, output.Width, () =>
        {
            Pointer(f, inPtr, oy, s * wpi * cs * sizeof(float), ox, s * cs * sizeof(float));
            Pointer(f, outPtr, oy, wpo * strides[stage.Output] * sizeof(float), ox, strides[stage.Output] * sizeof(float));
            Loop(f, j, cs / 4, () =>
            {
                for (int ky = 0; ky < k; ky++)
                {
                    for (int kx = 0; kx < k; kx++)
                    {
                        f.Get(inPtr);
                        f.AddConst(mo[stage.Input]);
                        f.V128Load(((((ky + input.Pad) * wpi) + kx + input.Pad) * cs) * sizeof(float));
                        if (ky + kx > 0)
                        {
                            if (max)
                            {
                                f.F32x4Max();
                            }
                            else
                            {
                                f.F32x4Add();
                            }
                        }
                    }
                }

                if (!max)
                {
                    f.F32x4Const(1f / (k * k));
                    f.F32x4Mul();
                }

                int value = f.Local(WasmCode.V128);
                f.Set(value);
                f.Get(outPtr);
                f.Get(value);
                f.V128Store(mo[stage.Output] + (((output.Pad * wpo) + output.Pad) * strides[stage.Output]) * sizeof(float));
                f.Increment(inPtr, 16);
                f.Increment(outPtr, 16);
            });
        }));
        return f;
    }

    /// <summary>An activation no stage fused, in place on the map's interior, a vector of channels at a time.</summary>
    private static WasmCode Activation(ActivationStage stage, Layout layout)
    {
        (TileMap[] maps, int[] strides, int[] mo) = layout;
        TileMap map = maps[stage.Input];
        int cs = strides[stage.Input];
        var f = new WasmCode(1);
        int y = f.Local(WasmCode.I32), xi = f.Local(WasmCode.I32), j = f.Local(WasmCode.I32), ptr = f.Local(WasmCode.I32);
        int value = f.Local(WasmCode.V128);
        var sigmoid = new SigmoidLocals(f);
        int interior = (((map.Pad * map.PaddedWidth) + map.Pad) * cs) * sizeof(float);
        Loop(f, y, map.Height, () => Loop(f, xi, map.Width, () =>
        {
            Pointer(f, ptr, y, map.PaddedWidth * cs * sizeof(float), xi, cs * sizeof(float));
            f.Get(ptr);
            f.AddConst(mo[stage.Input]);
            f.Set(ptr);
            Loop(f, j, cs / 4, () =>
            {
                f.Get(ptr);
                f.V128Load(interior);
                f.Set(value);
                Activate(f, value, stage.Activation, sigmoid);
                f.Get(ptr);
                f.Get(value);
                f.V128Store(interior);
                f.Increment(ptr, 16);
            });
        }));
        return f;
    }

    /// <summary>The scratch vectors of <see cref="Activate"/>'s sigmoid.</summary>
    internal sealed class SigmoidLocals(WasmCode f)
    {
        public int T { get; } = f.Local(WasmCode.V128);

        public int N { get; } = f.Local(WasmCode.V128);

        public int R { get; } = f.Local(WasmCode.V128);
    }

    /// <summary>local = act(local).</summary>
    internal static void Activate(WasmCode f, int local, ActivationKind activation, SigmoidLocals l)
    {
        switch (activation)
        {
            case ActivationKind.Relu:
                f.Get(local);
                f.F32x4Const(0f);
                f.F32x4Max();
                f.Set(local);
                break;
            case ActivationKind.Sigmoid:
                // Vector128Ops.Sigmoid step by step: x clamped to ±87; t = x·(−log₂e) + (1.5·2²³ + 127); n = t − magic;
                // r = n·ln2_hi + x, r = n·ln2_lo + r; p(r) by Horner; 2^n = t's low bits shifted into the exponent; 1 / (p·2^n + 1).
                const float Magic = 12583039f;
                f.Get(local);
                f.F32x4Const(-87f);
                f.F32x4Max();
                f.F32x4Const(87f);
                f.F32x4Min();
                f.Set(local);
                f.Get(local);
                f.F32x4Const(-1.44269504f);
                f.F32x4Mul();
                f.F32x4Const(Magic);
                f.F32x4Add();
                f.Tee(l.T);
                f.F32x4Const(Magic);
                f.F32x4Sub();
                f.Set(l.N);
                f.Get(l.N);
                f.F32x4Const(0.693359375f);
                f.F32x4Mul();
                f.Get(local);
                f.F32x4Add();
                f.Set(l.R);
                f.Get(l.N);
                f.F32x4Const(-2.12194440e-4f);
                f.F32x4Mul();
                f.Get(l.R);
                f.F32x4Add();
                f.Set(l.R);
                f.F32x4Const(-8.3125010e-3f);
                f.Get(l.R);
                f.F32x4Mul();
                f.F32x4Const(4.1890115e-2f);
                f.F32x4Add();
                foreach (float coefficient in (ReadOnlySpan<float>)[-0.16667114f, 0.49999231f, -1f, 1f])
                {
                    f.Get(l.R);
                    f.F32x4Mul();
                    f.F32x4Const(coefficient);
                    f.F32x4Add();
                }

                f.Get(l.T);
                f.I32Const(23);
                f.I32x4Shl();
                f.F32x4Mul();
                f.F32x4Const(1f);
                f.F32x4Add();
                f.Set(local);
                f.F32x4Const(1f);
                f.Get(local);
                f.F32x4Div();
                f.Set(local);
                break;
            case ActivationKind.None:
                break;
            default:
                throw new NotSupportedException($"WasmPlanEmitter: the activation {activation} has no WebAssembly form.");
        }
    }
}
