using static LeNet.Wasm.WasmNetwork;

namespace LeNet.Wasm;

/// <summary>
/// The functions of a <see cref="WasmNetwork"/>, one per <see cref="Unit"/>, f32x4 SIMD over the maps' channels-last
/// layout (<see cref="WasmMap"/>): each takes the arena's address, reads its input maps and writes its output map's
/// interior. Convolutions vectorize over output channels (the input value broadcast per tap) and block
/// <see cref="Pixels"/> output pixels × <see cref="Vectors"/> vectors of output channels in registers, the output
/// channels' group outermost so its weights stay in cache over the whole map; a depthwise convolution vectorizes over
/// channels, weights and inputs both loaded as vectors.
/// </summary>
internal static class WasmNetworkKernels
{
    /// <summary>Output pixels (along a row) a convolution computes at once.</summary>
    private const int Pixels = 4;

    /// <summary>Vectors of 4 output channels a dense convolution computes at once (8 accumulators with <see cref="Pixels"/>, below V8's 16 registers).</summary>
    private const int Vectors = 2;

    public static WasmCode Emit(Unit unit, WasmMap[] maps, List<float> arena) => unit switch
    {
        ConvUnit conv when conv.Groups > 1 && conv.Groups == maps[conv.Input].Channels && conv.Groups == maps[conv.Output].Channels => Depthwise(conv, maps, arena),
        ConvUnit conv => Conv(conv, maps, arena),
        PoolUnit pool => Pool(pool, maps),
        GlobalPoolUnit global => GlobalPool(global, maps),
        DenseUnit dense => Dense(dense, maps, arena),
        ElementwiseUnit elementwise => Elementwise(elementwise, maps),
        ConcatUnit concat => Concat(concat, maps),
        _ => throw new NotSupportedException($"WasmNetworkKernels: {unit.GetType().Name}"),
    };

    /// <summary>forward's prologue: the image [C, H, W] at parameter 1 into <paramref name="map"/>'s interior.</summary>
    public static void CopyIn(WasmCode f, WasmMap map) => Copy(f, map, toMap: true);

    /// <summary>forward's epilogue: <paramref name="map"/>'s interior out to parameter 2, [C, H, W].</summary>
    public static void CopyOut(WasmCode f, WasmMap map) => Copy(f, map, toMap: false);

    private static void Copy(WasmCode f, WasmMap map, bool toMap)
    {
        int c = f.Local(WasmCode.I32), y = f.Local(WasmCode.I32), x = f.Local(WasmCode.I32);
        int flat = f.Local(WasmCode.I32), pixel = f.Local(WasmCode.I32);
        f.Get(toMap ? 1 : 2);
        f.Set(flat);
        Loop(f, c, map.Channels, () => Loop(f, y, map.Height, () => Loop(f, x, map.Width, () =>
        {
            // pixel = arena + c·4 + y·row + x·pixel
            f.Get(0);
            f.Get(c);
            f.I32Const(sizeof(float));
            f.I32Mul();
            f.I32Add();
            Scaled(f, y, map.RowBytes);
            Scaled(f, x, map.PixelBytes);
            f.Set(pixel);
            if (toMap)
            {
                f.Get(pixel);
                f.Get(flat);
                f.F32Load(0);
                f.F32Store(map.At(0, 0));
            }
            else
            {
                f.Get(flat);
                f.Get(pixel);
                f.F32Load(map.At(0, 0));
                f.F32Store(0);
            }

            f.Increment(flat, sizeof(float));
        })));
    }

    /// <summary>
    /// A convolution (groups 1, or grouped with a multiple of 4 output channels per group): for each group of
    /// <see cref="Vectors"/> output-channel vectors, each output row, each block of <see cref="Pixels"/> pixels:
    /// acc = bias; for each input channel of its convolution group and tap, acc[p][v] += x[p] · w[v] (x broadcast);
    /// then + residual, activation, store. Weights [O, I/groups, kH, kW] packed per vector group [I/groups, kH, kW, vg·4].
    /// </summary>
    private static WasmCode Conv(ConvUnit u, WasmMap[] maps, List<float> arena)
    {
        WasmMap src = maps[u.Input], dst = maps[u.Output];
        WasmMap? res = u.Residual is int r ? maps[r] : null;
        int ci = src.Channels / u.Groups, co = dst.Channels, vectors = dst.Stride / 4;

        // Vector groups never straddle two convolution groups: 8 channels at a time when a group's outputs are 8k, else 4.
        int perGroup = u.Groups == 1 ? vectors : co / u.Groups / 4;
        int step = perGroup % Vectors == 0 || u.Groups == 1 ? Vectors : 1;
        (int kh, int kw) = u.Kernel;
        (int sh, int sw) = u.Stride;
        int taps = ci * kh * kw;
        var packed = new float[taps * dst.Stride];
        int at = 0;
        for (int g0 = 0; g0 < vectors; g0 += step)
        {
            int vg = Math.Min(step, vectors - g0);
            for (int t = 0; t < taps; t++)
            {
                for (int lane = 0; lane < vg * 4; lane++)
                {
                    int o = (g0 * 4) + lane;
                    packed[at++] = o < co ? u.Weight[(o * taps) + t] : 0f;
                }
            }
        }

        int weights = Append(arena, packed), biases = Append(arena, Padded(u.Bias, dst.Stride));
        var f = new WasmCode(1);
        int g = f.Local(WasmCode.I32), oy = f.Local(WasmCode.I32), b = f.Local(WasmCode.I32), ic = f.Local(WasmCode.I32);
        int gOff = f.Local(WasmCode.I32), wG = f.Local(WasmCode.I32), bias = f.Local(WasmCode.I32);
        int rowIn = f.Local(WasmCode.I32), rowOut = f.Local(WasmCode.I32), rowRes = f.Local(WasmCode.I32);
        int pin = f.Local(WasmCode.I32), pout = f.Local(WasmCode.I32), pres = f.Local(WasmCode.I32), w = f.Local(WasmCode.I32), xin = f.Local(WasmCode.I32);
        int[] acc = Vectors128(f, Pixels * Vectors), wv = Vectors128(f, Vectors);
        int x = f.Local(WasmCode.V128);
        var scratch = new Scratch(f);
        int fullBlocks = dst.Width / Pixels, tail = dst.Width % Pixels;

        void Block(int p, int vg)
        {
            for (int q = 0; q < p; q++)
            {
                for (int v = 0; v < vg; v++)
                {
                    f.Get(bias);
                    f.V128Load(biases + (v * 16));
                    f.Set(acc[(q * Vectors) + v]);
                }
            }

            f.Get(wG);
            f.Set(w);
            f.Get(pin);
            f.Set(xin);
            Loop(f, ic, ci, () =>
            {
                for (int ky = 0; ky < kh; ky++)
                {
                    for (int kx = 0; kx < kw; kx++)
                    {
                        for (int v = 0; v < vg; v++)
                        {
                            f.Get(w);
                            f.V128Load((((ky * kw) + kx) * vg * 16) + (v * 16));
                            f.Set(wv[v]);
                        }

                        for (int q = 0; q < p; q++)
                        {
                            f.Get(xin);
                            f.V128Load32Splat((ky * src.RowBytes) + (((q * sw) + kx) * src.PixelBytes));
                            f.Set(x);
                            for (int v = 0; v < vg; v++)
                            {
                                int a = acc[(q * Vectors) + v];
                                f.Get(a);
                                f.Get(x);
                                f.Get(wv[v]);
                                f.F32x4Mul();
                                f.F32x4Add();
                                f.Set(a);
                            }
                        }
                    }
                }

                f.Increment(w, kh * kw * vg * 16);
                f.Increment(xin, sizeof(float));
            });
            for (int q = 0; q < p; q++)
            {
                for (int v = 0; v < vg; v++)
                {
                    int a = acc[(q * Vectors) + v];
                    if (res is not null)
                    {
                        f.Get(a);
                        f.Get(pres);
                        f.V128Load((q * res.PixelBytes) + (v * 16));
                        f.F32x4Add();
                        f.Set(a);
                    }

                    Activate(f, a, u.Act, scratch);
                    f.Get(pout);
                    f.Get(a);
                    f.V128Store((q * dst.PixelBytes) + (v * 16));
                }
            }
        }

        // Rows of blocks for groups [g0, g0 + count) of vg vectors each.
        void Groups(int g0, int count, int vg, int inputOffset)
        {
            if (count == 0)
            {
                return;
            }

            f.I32Const(g0 * 16);
            f.Set(gOff);
            f.Get(0);
            f.AddConst(weights + (g0 * 4 * taps * sizeof(float)));
            f.Set(wG);
            Loop(f, g, count, () =>
            {
                f.Get(0);
                f.Get(gOff);
                f.I32Add();
                f.Set(bias);
                Loop(f, oy, dst.Height, () =>
                {
                    Row(f, rowIn, oy, src.At(-u.Padding.H, -u.Padding.W) + inputOffset, sh * src.RowBytes, -1);
                    Row(f, rowOut, oy, dst.At(0, 0), dst.RowBytes, gOff);
                    if (res is not null)
                    {
                        Row(f, rowRes, oy, res.At(0, 0), res.RowBytes, gOff);
                    }

                    void Start(int local, int row, int step, bool counted)
                    {
                        f.Get(row);
                        if (counted)
                        {
                            Scaled(f, b, step);
                        }

                        f.Set(local);
                    }

                    void Pointers(bool counted)
                    {
                        Start(pin, rowIn, Pixels * sw * src.PixelBytes, counted);
                        Start(pout, rowOut, Pixels * dst.PixelBytes, counted);
                        if (res is not null)
                        {
                            Start(pres, rowRes, Pixels * res.PixelBytes, counted);
                        }
                    }

                    if (fullBlocks > 0)
                    {
                        Loop(f, b, fullBlocks, () =>
                        {
                            Pointers(counted: true);
                            Block(Pixels, vg);
                        });
                    }

                    if (tail > 0)
                    {
                        f.I32Const(fullBlocks);
                        f.Set(b);
                        Pointers(counted: true);
                        Block(tail, vg);
                    }
                });
                f.Increment(gOff, vg * 16);
                f.Increment(wG, taps * vg * 16);
            });
        }

        if (u.Groups == 1)
        {
            Groups(0, vectors / Vectors, Vectors, 0);
            Groups(vectors / Vectors * Vectors, vectors % Vectors == 0 ? 0 : 1, vectors % Vectors, 0);
        }
        else
        {
            // One pass per convolution group, its input channels' slice a constant offset.
            for (int group = 0; group < u.Groups; group++)
            {
                Groups(group * perGroup, perGroup / step, step, group * ci * sizeof(float));
            }
        }

        return f;
    }

    /// <summary>
    /// A depthwise convolution: per output row, block of <see cref="Pixels"/> pixels and vector of 4 channels,
    /// acc = bias; for each tap, acc[p] += x[p] · w (both vectors); activation, store. Weights [C, 1, kH, kW] packed [kH, kW, C4].
    /// </summary>
    private static WasmCode Depthwise(ConvUnit u, WasmMap[] maps, List<float> arena)
    {
        WasmMap src = maps[u.Input], dst = maps[u.Output];
        int c = dst.Channels, c4 = dst.Stride;
        (int kh, int kw) = u.Kernel;
        (int sh, int sw) = u.Stride;
        var packed = new float[kh * kw * c4];
        for (int ch = 0; ch < c; ch++)
        {
            for (int t = 0; t < kh * kw; t++)
            {
                packed[(t * c4) + ch] = u.Weight[(ch * kh * kw) + t];
            }
        }

        int weights = Append(arena, packed), biases = Append(arena, Padded(u.Bias, c4));
        var f = new WasmCode(1);
        int oy = f.Local(WasmCode.I32), b = f.Local(WasmCode.I32), j = f.Local(WasmCode.I32);
        int rowIn = f.Local(WasmCode.I32), rowOut = f.Local(WasmCode.I32), xin = f.Local(WasmCode.I32), pout = f.Local(WasmCode.I32), wp = f.Local(WasmCode.I32);
        int[] acc = Vectors128(f, Pixels);
        int wv = f.Local(WasmCode.V128);
        var scratch = new Scratch(f);
        int fullBlocks = dst.Width / Pixels, tail = dst.Width % Pixels;

        void Block(int p)
        {
            f.Get(rowIn);
            Scaled(f, b, Pixels * sw * src.PixelBytes);
            f.Set(xin);
            f.Get(rowOut);
            Scaled(f, b, Pixels * dst.PixelBytes);
            f.Set(pout);
            f.Get(0);
            f.Set(wp);
            Loop(f, j, c4 / 4, () =>
            {
                for (int q = 0; q < p; q++)
                {
                    f.Get(wp);
                    f.V128Load(biases);
                    f.Set(acc[q]);
                }

                for (int ky = 0; ky < kh; ky++)
                {
                    for (int kx = 0; kx < kw; kx++)
                    {
                        f.Get(wp);
                        f.V128Load(weights + (((ky * kw) + kx) * c4 * sizeof(float)));
                        f.Set(wv);
                        for (int q = 0; q < p; q++)
                        {
                            f.Get(acc[q]);
                            f.Get(xin);
                            f.V128Load((ky * src.RowBytes) + (((q * sw) + kx) * src.PixelBytes));
                            f.Get(wv);
                            f.F32x4Mul();
                            f.F32x4Add();
                            f.Set(acc[q]);
                        }
                    }
                }

                for (int q = 0; q < p; q++)
                {
                    Activate(f, acc[q], u.Act, scratch);
                    f.Get(pout);
                    f.Get(acc[q]);
                    f.V128Store(q * dst.PixelBytes);
                }

                f.Increment(xin, 16);
                f.Increment(pout, 16);
                f.Increment(wp, 16);
            });
        }

        Loop(f, oy, dst.Height, () =>
        {
            Row(f, rowIn, oy, src.At(-u.Padding.H, -u.Padding.W), sh * src.RowBytes, -1);
            Row(f, rowOut, oy, dst.At(0, 0), dst.RowBytes, -1);
            if (fullBlocks > 0)
            {
                Loop(f, b, fullBlocks, () => Block(Pixels));
            }

            if (tail > 0)
            {
                f.I32Const(fullBlocks);
                f.Set(b);
                Block(tail);
            }
        });
        return f;
    }

    /// <summary>A max pool (the map's border is −∞) or an average pool (sum times 1/(kH·kW)), per output pixel and vector of channels.</summary>
    private static WasmCode Pool(PoolUnit u, WasmMap[] maps)
    {
        WasmMap src = maps[u.Input], dst = maps[u.Output];
        (int kh, int kw) = u.Kernel;
        (int sh, int sw) = u.Stride;
        var f = new WasmCode(1);
        int oy = f.Local(WasmCode.I32), ox = f.Local(WasmCode.I32), j = f.Local(WasmCode.I32);
        int rowIn = f.Local(WasmCode.I32), rowOut = f.Local(WasmCode.I32), pin = f.Local(WasmCode.I32), pout = f.Local(WasmCode.I32);
        Loop(f, oy, dst.Height, () =>
        {
            Row(f, rowIn, oy, src.At(-u.Padding.H, -u.Padding.W), sh * src.RowBytes, -1);
            Row(f, rowOut, oy, dst.At(0, 0), dst.RowBytes, -1);
            Loop(f, ox, dst.Width, () =>
            {
                f.Get(rowIn);
                Scaled(f, ox, sw * src.PixelBytes);
                f.Set(pin);
                f.Get(rowOut);
                Scaled(f, ox, dst.PixelBytes);
                f.Set(pout);
                Loop(f, j, dst.Stride / 4, () =>
                {
                    f.Get(pout);
                    for (int ky = 0; ky < kh; ky++)
                    {
                        for (int kx = 0; kx < kw; kx++)
                        {
                            f.Get(pin);
                            f.V128Load((ky * src.RowBytes) + (kx * src.PixelBytes));
                            if (ky + kx > 0)
                            {
                                if (u.Max)
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

                    if (!u.Max)
                    {
                        f.F32x4Const(1f / (kh * kw));
                        f.F32x4Mul();
                    }

                    f.V128Store(0);
                    f.Increment(pin, 16);
                    f.Increment(pout, 16);
                });
            });
        });
        return f;
    }

    /// <summary>The mean over the map, per vector of channels: the pixels summed row by row, times 1/(H·W).</summary>
    private static WasmCode GlobalPool(GlobalPoolUnit u, WasmMap[] maps)
    {
        WasmMap src = maps[u.Input], dst = maps[u.Output];
        var f = new WasmCode(1);
        int j = f.Local(WasmCode.I32), y = f.Local(WasmCode.I32), x = f.Local(WasmCode.I32), p = f.Local(WasmCode.I32), row = f.Local(WasmCode.I32);
        int acc = f.Local(WasmCode.V128);
        Loop(f, j, dst.Stride / 4, () =>
        {
            f.F32x4Const(0f);
            f.Set(acc);
            Row(f, row, j, src.At(0, 0), 16, -1);
            Loop(f, y, src.Height, () =>
            {
                f.Get(row);
                f.Set(p);
                Loop(f, x, src.Width, () =>
                {
                    f.Get(acc);
                    f.Get(p);
                    f.V128Load(0);
                    f.F32x4Add();
                    f.Set(acc);
                    f.Increment(p, src.PixelBytes);
                });
                f.Increment(row, src.RowBytes);
            });
            f.Get(0);
            Scaled(f, j, 16);
            f.Get(acc);
            f.F32x4Const(1f / (src.Height * src.Width));
            f.F32x4Mul();
            f.V128Store(dst.At(0, 0));
        });
        return f;
    }

    /// <summary>A dense layer (+ activation): per group of up to 8 vectors of outputs, acc = bias; then for each input in [C, H, W] order, acc += x · w.</summary>
    private static WasmCode Dense(DenseUnit u, WasmMap[] maps, List<float> arena)
    {
        const int Group = 8;
        WasmMap src = maps[u.Input], dst = maps[u.Output];
        int inFeatures = src.Channels * src.Height * src.Width, outFeatures = dst.Channels, o4 = dst.Stride;
        var packed = new float[inFeatures * o4];
        for (int o = 0; o < outFeatures; o++)
        {
            for (int i = 0; i < inFeatures; i++)
            {
                packed[(i * o4) + o] = u.Weight[(o * inFeatures) + i];
            }
        }

        int weights = Append(arena, packed), biases = Append(arena, Padded(u.Bias, o4));
        var f = new WasmCode(1);
        int c = f.Local(WasmCode.I32), y = f.Local(WasmCode.I32), xi = f.Local(WasmCode.I32);
        int cPtr = f.Local(WasmCode.I32), yPtr = f.Local(WasmCode.I32), xPtr = f.Local(WasmCode.I32), w = f.Local(WasmCode.I32);
        int x = f.Local(WasmCode.V128);
        int[] acc = Vectors128(f, Group);
        var scratch = new Scratch(f);
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
            f.AddConst(src.At(0, 0));
            f.Set(cPtr);
            Loop(f, c, src.Channels, () =>
            {
                f.Get(cPtr);
                f.Set(yPtr);
                Loop(f, y, src.Height, () =>
                {
                    f.Get(yPtr);
                    f.Set(xPtr);
                    Loop(f, xi, src.Width, () =>
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
                        f.Increment(xPtr, src.PixelBytes);
                    });
                    f.Increment(yPtr, src.RowBytes);
                });
                f.Increment(cPtr, sizeof(float));
            });
            for (int j = 0; j < vectors; j++)
            {
                Activate(f, acc[j], u.Act, scratch);
                f.Get(0);
                f.Get(acc[j]);
                f.V128Store(dst.At(0, 0) + ((g0 + j) * 16));
            }
        }

        return f;
    }

    /// <summary>y = act(a [+ b]) per pixel and vector of channels.</summary>
    private static WasmCode Elementwise(ElementwiseUnit u, WasmMap[] maps)
    {
        WasmMap a = maps[u.A], dst = maps[u.Output];
        WasmMap? b = u.B is int bi ? maps[bi] : null;
        var f = new WasmCode(1);
        int y = f.Local(WasmCode.I32), x = f.Local(WasmCode.I32), j = f.Local(WasmCode.I32);
        int pa = f.Local(WasmCode.I32), pb = f.Local(WasmCode.I32), po = f.Local(WasmCode.I32);
        int value = f.Local(WasmCode.V128);
        var scratch = new Scratch(f);
        Loop(f, y, dst.Height, () =>
        {
            Row(f, pa, y, a.At(0, 0), a.RowBytes, -1);
            if (b is not null)
            {
                Row(f, pb, y, b.At(0, 0), b.RowBytes, -1);
            }

            Row(f, po, y, dst.At(0, 0), dst.RowBytes, -1);
            Loop(f, x, dst.Width, () =>
            {
                // The j loop walks one pixel (C4 / 4 vectors); pads differ per map, so each pointer skips its own border per row.
                Loop(f, j, dst.Stride / 4, () =>
                {
                    f.Get(pa);
                    f.V128Load(0);
                    if (b is not null)
                    {
                        f.Get(pb);
                        f.V128Load(0);
                        f.F32x4Add();
                    }

                    f.Set(value);
                    Activate(f, value, u.Act, scratch);
                    f.Get(po);
                    f.Get(value);
                    f.V128Store(0);
                    f.Increment(pa, 16);
                    if (b is not null)
                    {
                        f.Increment(pb, 16);
                    }

                    f.Increment(po, 16);
                });
            });
        });
        return f;
    }

    /// <summary>The parts' channels copied one after the other, a vector at a time (each part a multiple of 4 channels).</summary>
    private static WasmCode Concat(ConcatUnit u, WasmMap[] maps)
    {
        WasmMap dst = maps[u.Output];
        var f = new WasmCode(1);
        int y = f.Local(WasmCode.I32), x = f.Local(WasmCode.I32), j = f.Local(WasmCode.I32), pi = f.Local(WasmCode.I32), po = f.Local(WasmCode.I32);
        int channel = 0;
        foreach (int part in u.Inputs)
        {
            WasmMap src = maps[part];
            Loop(f, y, dst.Height, () => Loop(f, x, dst.Width, () =>
            {
                f.Get(0);
                Scaled(f, y, src.RowBytes);
                Scaled(f, x, src.PixelBytes);
                f.AddConst(src.At(0, 0));
                f.Set(pi);
                f.Get(0);
                Scaled(f, y, dst.RowBytes);
                Scaled(f, x, dst.PixelBytes);
                f.AddConst(dst.At(0, 0) + (channel * sizeof(float)));
                f.Set(po);
                Loop(f, j, src.Stride / 4, () =>
                {
                    f.Get(po);
                    f.Get(pi);
                    f.V128Load(0);
                    f.V128Store(0);
                    f.Increment(pi, 16);
                    f.Increment(po, 16);
                });
            }));
            channel += src.Channels;
        }

        return f;
    }

    /// <summary>local = arena + <paramref name="offset"/> + counter·<paramref name="step"/> [+ extra local].</summary>
    private static void Row(WasmCode f, int local, int counter, int offset, int step, int extra)
    {
        f.Get(0);
        Scaled(f, counter, step);
        if (extra >= 0)
        {
            f.Get(extra);
            f.I32Add();
        }

        f.AddConst(offset);
        f.Set(local);
    }

    /// <summary>top of stack += local·scale.</summary>
    private static void Scaled(WasmCode f, int local, int scale)
    {
        f.Get(local);
        if (scale != 1)
        {
            f.I32Const(scale);
            f.I32Mul();
        }

        f.I32Add();
    }

    private static void Loop(WasmCode f, int counter, int count, Action body) => WasmPlanEmitter.Loop(f, counter, count, body);

    private static int[] Vectors128(WasmCode f, int count) => [.. Enumerable.Range(0, count).Select(_ => f.Local(WasmCode.V128))];

    private static float[] Padded(float[] values, int length)
    {
        var padded = new float[length];
        values.CopyTo(padded, 0);
        return padded;
    }

    private static int Append(List<float> arena, float[] values)
    {
        int offset = arena.Count * sizeof(float);
        arena.AddRange(values);
        arena.AddRange(new float[((values.Length + 3) / 4 * 4) - values.Length]);
        return offset;
    }

    /// <summary>Scratch vectors of <see cref="Activate"/>.</summary>
    private sealed class Scratch(WasmCode f)
    {
        public int T { get; } = f.Local(WasmCode.V128);
    }

    /// <summary>local = act(local): ReLU max(x, 0); ReLU6 min(max(x, 0), 6); Hardswish x · min(max(x + 3, 0), 6) / 6 (ATen's order).</summary>
    private static void Activate(WasmCode f, int local, Activation act, Scratch s)
    {
        switch (act)
        {
            case Activation.Relu:
                f.Get(local);
                f.F32x4Const(0f);
                f.F32x4Max();
                f.Set(local);
                break;
            case Activation.Relu6:
                f.Get(local);
                f.F32x4Const(0f);
                f.F32x4Max();
                f.F32x4Const(6f);
                f.F32x4Min();
                f.Set(local);
                break;
            case Activation.Hardswish:
                f.Get(local);
                f.F32x4Const(3f);
                f.F32x4Add();
                f.F32x4Const(0f);
                f.F32x4Max();
                f.F32x4Const(6f);
                f.F32x4Min();
                f.Set(s.T);
                f.Get(local);
                f.Get(s.T);
                f.F32x4Mul();
                f.F32x4Const(6f);
                f.F32x4Div();
                f.Set(local);
                break;
            default:
                break;
        }
    }
}
