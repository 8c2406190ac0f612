using System.Diagnostics.CodeAnalysis;
using LeNet.Layers;

namespace LeNet.Models.Vision;

/// <summary>torchvision's model builders (<c>torchvision.models.resnet18(weights=None, num_classes=…)</c>), one typed factory per name.</summary>
[SuppressMessage("Naming", "CA1707:Identifiers should not contain underscores", Justification = "torchvision's names: RegNetX1_6GF is regnet_x_1_6gf, where 1_6 reads 1.6.")]
public static partial class TorchVision
{
    /// <summary>
    /// The scaled families — EfficientNet (B0…B7, V2-S/M/L), RegNet (X and Y) and ConvNeXt — by torchvision's names,
    /// each with its factory taking the number of classes.
    /// </summary>
    internal static readonly (string Name, Func<int, Module> Create)[] ScaledModels =
    [
        ("efficientnet_b0", c => EfficientNetB0(c)),
        ("efficientnet_b1", c => EfficientNetB1(c)),
        ("efficientnet_b2", c => EfficientNetB2(c)),
        ("efficientnet_b3", c => EfficientNetB3(c)),
        ("efficientnet_b4", c => EfficientNetB4(c)),
        ("efficientnet_b5", c => EfficientNetB5(c)),
        ("efficientnet_b6", c => EfficientNetB6(c)),
        ("efficientnet_b7", c => EfficientNetB7(c)),
        ("efficientnet_v2_s", c => EfficientNetV2S(c)),
        ("efficientnet_v2_m", c => EfficientNetV2M(c)),
        ("efficientnet_v2_l", c => EfficientNetV2L(c)),
        ("regnet_x_400mf", c => RegNetX400MF(c)),
        ("regnet_x_800mf", c => RegNetX800MF(c)),
        ("regnet_x_1_6gf", c => RegNetX1_6GF(c)),
        ("regnet_x_3_2gf", c => RegNetX3_2GF(c)),
        ("regnet_x_8gf", c => RegNetX8GF(c)),
        ("regnet_x_16gf", c => RegNetX16GF(c)),
        ("regnet_x_32gf", c => RegNetX32GF(c)),
        ("regnet_y_400mf", c => RegNetY400MF(c)),
        ("regnet_y_800mf", c => RegNetY800MF(c)),
        ("regnet_y_1_6gf", c => RegNetY1_6GF(c)),
        ("regnet_y_3_2gf", c => RegNetY3_2GF(c)),
        ("regnet_y_8gf", c => RegNetY8GF(c)),
        ("regnet_y_16gf", c => RegNetY16GF(c)),
        ("regnet_y_32gf", c => RegNetY32GF(c)),
        ("regnet_y_128gf", c => RegNetY128GF(c)),
        ("convnext_tiny", c => ConvNeXtTiny(c)),
        ("convnext_small", c => ConvNeXtSmall(c)),
        ("convnext_base", c => ConvNeXtBase(c)),
        ("convnext_large", c => ConvNeXtLarge(c)),
    ];

    /// <summary>EfficientNet-B0, like <c>efficientnet_b0(num_classes=…)</c>: 5,288,548 parameters for 1000 classes; dropout 0.2. <c>[N, 3, H, W] → [N, numClasses]</c>.</summary>
    /// <param name="numClasses">Output classes.</param>
    /// <returns>The untrained network.</returns>
    public static EfficientNet EfficientNetB0(int numClasses = 1000) => EfficientNetV1(1.0, 1.0, 0.2f, numClasses);

    /// <summary>EfficientNet-B1 (width 1.0, depth 1.1), like <c>efficientnet_b1(num_classes=…)</c>: 7,794,184 parameters; dropout 0.2. <c>[N, 3, H, W] → [N, numClasses]</c>.</summary>
    /// <param name="numClasses">Output classes.</param>
    /// <returns>The untrained network.</returns>
    public static EfficientNet EfficientNetB1(int numClasses = 1000) => EfficientNetV1(1.0, 1.1, 0.2f, numClasses);

    /// <summary>EfficientNet-B2 (width 1.1, depth 1.2), like <c>efficientnet_b2(num_classes=…)</c>: 9,109,994 parameters; dropout 0.3. <c>[N, 3, H, W] → [N, numClasses]</c>.</summary>
    /// <param name="numClasses">Output classes.</param>
    /// <returns>The untrained network.</returns>
    public static EfficientNet EfficientNetB2(int numClasses = 1000) => EfficientNetV1(1.1, 1.2, 0.3f, numClasses);

    /// <summary>EfficientNet-B3 (width 1.2, depth 1.4), like <c>efficientnet_b3(num_classes=…)</c>: 12,233,232 parameters; dropout 0.3. <c>[N, 3, H, W] → [N, numClasses]</c>.</summary>
    /// <param name="numClasses">Output classes.</param>
    /// <returns>The untrained network.</returns>
    public static EfficientNet EfficientNetB3(int numClasses = 1000) => EfficientNetV1(1.2, 1.4, 0.3f, numClasses);

    /// <summary>EfficientNet-B4 (width 1.4, depth 1.8), like <c>efficientnet_b4(num_classes=…)</c>: 19,341,616 parameters; dropout 0.4. <c>[N, 3, H, W] → [N, numClasses]</c>.</summary>
    /// <param name="numClasses">Output classes.</param>
    /// <returns>The untrained network.</returns>
    public static EfficientNet EfficientNetB4(int numClasses = 1000) => EfficientNetV1(1.4, 1.8, 0.4f, numClasses);

    /// <summary>
    /// EfficientNet-B5 (width 1.6, depth 2.2), like <c>efficientnet_b5(num_classes=…)</c>: 30,389,784 parameters; dropout
    /// 0.4; BatchNorm eps 1e-3 and momentum 0.01. <c>[N, 3, H, W] → [N, numClasses]</c>.
    /// </summary>
    /// <param name="numClasses">Output classes.</param>
    /// <returns>The untrained network.</returns>
    public static EfficientNet EfficientNetB5(int numClasses = 1000) => EfficientNetV1(1.6, 2.2, 0.4f, numClasses, channels => new BatchNorm2d(channels, eps: 0.001f, momentum: 0.01f));

    /// <summary>
    /// EfficientNet-B6 (width 1.8, depth 2.6), like <c>efficientnet_b6(num_classes=…)</c>: 43,040,704 parameters; dropout
    /// 0.5; BatchNorm eps 1e-3 and momentum 0.01. <c>[N, 3, H, W] → [N, numClasses]</c>.
    /// </summary>
    /// <param name="numClasses">Output classes.</param>
    /// <returns>The untrained network.</returns>
    public static EfficientNet EfficientNetB6(int numClasses = 1000) => EfficientNetV1(1.8, 2.6, 0.5f, numClasses, channels => new BatchNorm2d(channels, eps: 0.001f, momentum: 0.01f));

    /// <summary>
    /// EfficientNet-B7 (width 2.0, depth 3.1), like <c>efficientnet_b7(num_classes=…)</c>: 66,347,960 parameters; dropout
    /// 0.5; BatchNorm eps 1e-3 and momentum 0.01. <c>[N, 3, H, W] → [N, numClasses]</c>.
    /// </summary>
    /// <param name="numClasses">Output classes.</param>
    /// <returns>The untrained network.</returns>
    public static EfficientNet EfficientNetB7(int numClasses = 1000) => EfficientNetV1(2.0, 3.1, 0.5f, numClasses, channels => new BatchNorm2d(channels, eps: 0.001f, momentum: 0.01f));

    /// <summary>
    /// EfficientNetV2-S, like <c>efficientnet_v2_s(num_classes=…)</c>: 21,458,488 parameters; FusedMBConv then MBConv
    /// stages, head 1280 channels, dropout 0.2, BatchNorm eps 1e-3. <c>[N, 3, H, W] → [N, numClasses]</c>.
    /// </summary>
    /// <param name="numClasses">Output classes.</param>
    /// <returns>The untrained network.</returns>
    public static EfficientNet EfficientNetV2S(int numClasses = 1000) =>
        EfficientNetV2(
            [
                new FusedMBConvConfig(1, 3, 1, 24, 24, 2),
                new FusedMBConvConfig(4, 3, 2, 24, 48, 4),
                new FusedMBConvConfig(4, 3, 2, 48, 64, 4),
                new MBConvConfig(4, 3, 2, 64, 128, 6),
                new MBConvConfig(6, 3, 1, 128, 160, 9),
                new MBConvConfig(6, 3, 2, 160, 256, 15),
            ],
            0.2f,
            numClasses);

    /// <summary>
    /// EfficientNetV2-M, like <c>efficientnet_v2_m(num_classes=…)</c>: 54,139,356 parameters; head 1280 channels,
    /// dropout 0.3, BatchNorm eps 1e-3. <c>[N, 3, H, W] → [N, numClasses]</c>.
    /// </summary>
    /// <param name="numClasses">Output classes.</param>
    /// <returns>The untrained network.</returns>
    public static EfficientNet EfficientNetV2M(int numClasses = 1000) =>
        EfficientNetV2(
            [
                new FusedMBConvConfig(1, 3, 1, 24, 24, 3),
                new FusedMBConvConfig(4, 3, 2, 24, 48, 5),
                new FusedMBConvConfig(4, 3, 2, 48, 80, 5),
                new MBConvConfig(4, 3, 2, 80, 160, 7),
                new MBConvConfig(6, 3, 1, 160, 176, 14),
                new MBConvConfig(6, 3, 2, 176, 304, 18),
                new MBConvConfig(6, 3, 1, 304, 512, 5),
            ],
            0.3f,
            numClasses);

    /// <summary>
    /// EfficientNetV2-L, like <c>efficientnet_v2_l(num_classes=…)</c>: 118,515,272 parameters; head 1280 channels,
    /// dropout 0.4, BatchNorm eps 1e-3. <c>[N, 3, H, W] → [N, numClasses]</c>.
    /// </summary>
    /// <param name="numClasses">Output classes.</param>
    /// <returns>The untrained network.</returns>
    public static EfficientNet EfficientNetV2L(int numClasses = 1000) =>
        EfficientNetV2(
            [
                new FusedMBConvConfig(1, 3, 1, 32, 32, 4),
                new FusedMBConvConfig(4, 3, 2, 32, 64, 7),
                new FusedMBConvConfig(4, 3, 2, 64, 96, 7),
                new MBConvConfig(4, 3, 2, 96, 192, 10),
                new MBConvConfig(6, 3, 1, 192, 224, 19),
                new MBConvConfig(6, 3, 2, 224, 384, 25),
                new MBConvConfig(6, 3, 1, 384, 640, 7),
            ],
            0.4f,
            numClasses);

    /// <summary>RegNetX-400MF, like <c>regnet_x_400mf(num_classes=…)</c>: 5,495,976 parameters. <c>[N, 3, H, W] → [N, numClasses]</c>.</summary>
    /// <param name="numClasses">Output classes.</param>
    /// <returns>The untrained network.</returns>
    public static RegNet RegNetX400MF(int numClasses = 1000) => RegNetOf(BlockParams.FromInitParams(depth: 22, w0: 24, wA: 24.48, wM: 2.54, groupWidth: 16), numClasses);

    /// <summary>RegNetX-800MF, like <c>regnet_x_800mf(num_classes=…)</c>: 7,259,656 parameters. <c>[N, 3, H, W] → [N, numClasses]</c>.</summary>
    /// <param name="numClasses">Output classes.</param>
    /// <returns>The untrained network.</returns>
    public static RegNet RegNetX800MF(int numClasses = 1000) => RegNetOf(BlockParams.FromInitParams(depth: 16, w0: 56, wA: 35.73, wM: 2.28, groupWidth: 16), numClasses);

    /// <summary>RegNetX-1.6GF, like <c>regnet_x_1_6gf(num_classes=…)</c>: 9,190,136 parameters. <c>[N, 3, H, W] → [N, numClasses]</c>.</summary>
    /// <param name="numClasses">Output classes.</param>
    /// <returns>The untrained network.</returns>
    public static RegNet RegNetX1_6GF(int numClasses = 1000) => RegNetOf(BlockParams.FromInitParams(depth: 18, w0: 80, wA: 34.01, wM: 2.25, groupWidth: 24), numClasses);

    /// <summary>RegNetX-3.2GF, like <c>regnet_x_3_2gf(num_classes=…)</c>: 15,296,552 parameters. <c>[N, 3, H, W] → [N, numClasses]</c>.</summary>
    /// <param name="numClasses">Output classes.</param>
    /// <returns>The untrained network.</returns>
    public static RegNet RegNetX3_2GF(int numClasses = 1000) => RegNetOf(BlockParams.FromInitParams(depth: 25, w0: 88, wA: 26.31, wM: 2.25, groupWidth: 48), numClasses);

    /// <summary>RegNetX-8GF, like <c>regnet_x_8gf(num_classes=…)</c>: 39,572,648 parameters. <c>[N, 3, H, W] → [N, numClasses]</c>.</summary>
    /// <param name="numClasses">Output classes.</param>
    /// <returns>The untrained network.</returns>
    public static RegNet RegNetX8GF(int numClasses = 1000) => RegNetOf(BlockParams.FromInitParams(depth: 23, w0: 80, wA: 49.56, wM: 2.88, groupWidth: 120), numClasses);

    /// <summary>RegNetX-16GF, like <c>regnet_x_16gf(num_classes=…)</c>: 54,278,536 parameters. <c>[N, 3, H, W] → [N, numClasses]</c>.</summary>
    /// <param name="numClasses">Output classes.</param>
    /// <returns>The untrained network.</returns>
    public static RegNet RegNetX16GF(int numClasses = 1000) => RegNetOf(BlockParams.FromInitParams(depth: 22, w0: 216, wA: 55.59, wM: 2.1, groupWidth: 128), numClasses);

    /// <summary>RegNetX-32GF, like <c>regnet_x_32gf(num_classes=…)</c>: 107,811,560 parameters. <c>[N, 3, H, W] → [N, numClasses]</c>.</summary>
    /// <param name="numClasses">Output classes.</param>
    /// <returns>The untrained network.</returns>
    public static RegNet RegNetX32GF(int numClasses = 1000) => RegNetOf(BlockParams.FromInitParams(depth: 23, w0: 320, wA: 69.86, wM: 2.0, groupWidth: 168), numClasses);

    /// <summary>RegNetY-400MF (squeeze-and-excitation 0.25), like <c>regnet_y_400mf(num_classes=…)</c>: 4,344,144 parameters. <c>[N, 3, H, W] → [N, numClasses]</c>.</summary>
    /// <param name="numClasses">Output classes.</param>
    /// <returns>The untrained network.</returns>
    public static RegNet RegNetY400MF(int numClasses = 1000) => RegNetOf(BlockParams.FromInitParams(depth: 16, w0: 48, wA: 27.89, wM: 2.09, groupWidth: 8, seRatio: 0.25), numClasses);

    /// <summary>RegNetY-800MF, like <c>regnet_y_800mf(num_classes=…)</c>: 6,432,512 parameters. <c>[N, 3, H, W] → [N, numClasses]</c>.</summary>
    /// <param name="numClasses">Output classes.</param>
    /// <returns>The untrained network.</returns>
    public static RegNet RegNetY800MF(int numClasses = 1000) => RegNetOf(BlockParams.FromInitParams(depth: 14, w0: 56, wA: 38.84, wM: 2.4, groupWidth: 16, seRatio: 0.25), numClasses);

    /// <summary>RegNetY-1.6GF, like <c>regnet_y_1_6gf(num_classes=…)</c>: 11,202,430 parameters. <c>[N, 3, H, W] → [N, numClasses]</c>.</summary>
    /// <param name="numClasses">Output classes.</param>
    /// <returns>The untrained network.</returns>
    public static RegNet RegNetY1_6GF(int numClasses = 1000) => RegNetOf(BlockParams.FromInitParams(depth: 27, w0: 48, wA: 20.71, wM: 2.65, groupWidth: 24, seRatio: 0.25), numClasses);

    /// <summary>RegNetY-3.2GF, like <c>regnet_y_3_2gf(num_classes=…)</c>: 19,436,338 parameters. <c>[N, 3, H, W] → [N, numClasses]</c>.</summary>
    /// <param name="numClasses">Output classes.</param>
    /// <returns>The untrained network.</returns>
    public static RegNet RegNetY3_2GF(int numClasses = 1000) => RegNetOf(BlockParams.FromInitParams(depth: 21, w0: 80, wA: 42.63, wM: 2.66, groupWidth: 24, seRatio: 0.25), numClasses);

    /// <summary>RegNetY-8GF, like <c>regnet_y_8gf(num_classes=…)</c>: 39,381,472 parameters. <c>[N, 3, H, W] → [N, numClasses]</c>.</summary>
    /// <param name="numClasses">Output classes.</param>
    /// <returns>The untrained network.</returns>
    public static RegNet RegNetY8GF(int numClasses = 1000) => RegNetOf(BlockParams.FromInitParams(depth: 17, w0: 192, wA: 76.82, wM: 2.19, groupWidth: 56, seRatio: 0.25), numClasses);

    /// <summary>RegNetY-16GF, like <c>regnet_y_16gf(num_classes=…)</c>: 83,590,140 parameters. <c>[N, 3, H, W] → [N, numClasses]</c>.</summary>
    /// <param name="numClasses">Output classes.</param>
    /// <returns>The untrained network.</returns>
    public static RegNet RegNetY16GF(int numClasses = 1000) => RegNetOf(BlockParams.FromInitParams(depth: 18, w0: 200, wA: 106.23, wM: 2.48, groupWidth: 112, seRatio: 0.25), numClasses);

    /// <summary>RegNetY-32GF, like <c>regnet_y_32gf(num_classes=…)</c>: 145,046,770 parameters. <c>[N, 3, H, W] → [N, numClasses]</c>.</summary>
    /// <param name="numClasses">Output classes.</param>
    /// <returns>The untrained network.</returns>
    public static RegNet RegNetY32GF(int numClasses = 1000) => RegNetOf(BlockParams.FromInitParams(depth: 20, w0: 232, wA: 115.89, wM: 2.53, groupWidth: 232, seRatio: 0.25), numClasses);

    /// <summary>
    /// RegNetY-128GF, like <c>regnet_y_128gf(num_classes=…)</c>: 644,812,894 parameters (about 2.6 GB of weights and as
    /// much again for their gradients). <c>[N, 3, H, W] → [N, numClasses]</c>.
    /// </summary>
    /// <param name="numClasses">Output classes.</param>
    /// <returns>The untrained network.</returns>
    public static RegNet RegNetY128GF(int numClasses = 1000) => RegNetOf(BlockParams.FromInitParams(depth: 27, w0: 456, wA: 160.83, wM: 2.52, groupWidth: 264, seRatio: 0.25), numClasses);

    /// <summary>ConvNeXt-Tiny, like <c>convnext_tiny(num_classes=…)</c>: 28,589,128 parameters; stochastic depth up to 0.1. <c>[N, 3, H, W] → [N, numClasses]</c>.</summary>
    /// <param name="numClasses">Output classes.</param>
    /// <returns>The untrained network.</returns>
    public static ConvNeXt ConvNeXtTiny(int numClasses = 1000) =>
        new([new(96, 192, 3), new(192, 384, 3), new(384, 768, 9), new(768, null, 3)], stochasticDepthProb: 0.1f, numClasses: numClasses);

    /// <summary>ConvNeXt-Small, like <c>convnext_small(num_classes=…)</c>: 50,223,688 parameters; stochastic depth up to 0.4. <c>[N, 3, H, W] → [N, numClasses]</c>.</summary>
    /// <param name="numClasses">Output classes.</param>
    /// <returns>The untrained network.</returns>
    public static ConvNeXt ConvNeXtSmall(int numClasses = 1000) =>
        new([new(96, 192, 3), new(192, 384, 3), new(384, 768, 27), new(768, null, 3)], stochasticDepthProb: 0.4f, numClasses: numClasses);

    /// <summary>ConvNeXt-Base, like <c>convnext_base(num_classes=…)</c>: 88,591,464 parameters; stochastic depth up to 0.5. <c>[N, 3, H, W] → [N, numClasses]</c>.</summary>
    /// <param name="numClasses">Output classes.</param>
    /// <returns>The untrained network.</returns>
    public static ConvNeXt ConvNeXtBase(int numClasses = 1000) =>
        new([new(128, 256, 3), new(256, 512, 3), new(512, 1024, 27), new(1024, null, 3)], stochasticDepthProb: 0.5f, numClasses: numClasses);

    /// <summary>ConvNeXt-Large, like <c>convnext_large(num_classes=…)</c>: 197,767,336 parameters; stochastic depth up to 0.5. <c>[N, 3, H, W] → [N, numClasses]</c>.</summary>
    /// <param name="numClasses">Output classes.</param>
    /// <returns>The untrained network.</returns>
    public static ConvNeXt ConvNeXtLarge(int numClasses = 1000) =>
        new([new(192, 384, 3), new(384, 768, 3), new(768, 1536, 27), new(1536, null, 3)], stochasticDepthProb: 0.5f, numClasses: numClasses);

    /// <summary>torchvision's <c>_efficientnet_conf("efficientnet_b*", width_mult, depth_mult)</c> and <c>_efficientnet</c>.</summary>
    private static EfficientNet EfficientNetV1(double widthMult, double depthMult, float dropout, int numClasses, Func<int, Layer>? normLayer = null)
    {
        MBConvConfig BneckConf(double expandRatio, int kernel, int stride, int inputChannels, int outChannels, int numLayers) =>
            new(expandRatio, kernel, stride, inputChannels, outChannels, numLayers, widthMult, depthMult);

        MBConvConfigBase[] invertedResidualSetting =
        [
            BneckConf(1, 3, 1, 32, 16, 1),
            BneckConf(6, 3, 2, 16, 24, 2),
            BneckConf(6, 5, 2, 24, 40, 2),
            BneckConf(6, 3, 2, 40, 80, 3),
            BneckConf(6, 5, 1, 80, 112, 3),
            BneckConf(6, 5, 2, 112, 192, 4),
            BneckConf(6, 3, 1, 192, 320, 1),
        ];
        return new EfficientNet(invertedResidualSetting, dropout, numClasses: numClasses, normLayer: normLayer);
    }

    /// <summary>torchvision's <c>_efficientnet</c> for the V2 settings: head 1280 channels, BatchNorm eps 1e-3.</summary>
    private static EfficientNet EfficientNetV2(MBConvConfigBase[] invertedResidualSetting, float dropout, int numClasses) =>
        new(invertedResidualSetting, dropout, numClasses: numClasses, normLayer: channels => new BatchNorm2d(channels, eps: 0.001f), lastChannel: 1280);

    /// <summary>torchvision's <c>_regnet</c>: BatchNorm eps 1e-5, momentum 0.1.</summary>
    private static RegNet RegNetOf(BlockParams blockParams, int numClasses) =>
        new(blockParams, numClasses, normLayer: channels => new BatchNorm2d(channels, eps: 1e-5f, momentum: 0.1f));
}
