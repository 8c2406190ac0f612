using Google.Protobuf;
using LeNet.IO;
using LeNet.Layers;
using LeNet.OnnxTests.Onnx;
using LeNet.Tests;
using Xunit.Abstractions;
using static LeNet.OnnxTests.OnnxImportTests;

namespace LeNet.OnnxTests;

/// <summary>
/// The ONNX project's node tests (Debian's libonnx-testdata; CI installs it) for the operators the importer takes:
/// each case's model with its inputs after the first made initializers (a Module has one input), run on the first
/// input and compared with the case's expected output.
/// </summary>
public class OnnxNodeCaseTests(ITestOutputHelper output)
{
    private const string Root = "/usr/share/libonnx-testdata/data/node";

    /// <summary>The single-node cases of the supported operators with a float input and output that import.</summary>
    private static readonly string[] Cases =
    [
        "test_add",
        "test_add_bcast",
        "test_averagepool_2d_ceil",
        "test_averagepool_2d_default",
        "test_averagepool_2d_precomputed_pads",
        "test_averagepool_2d_precomputed_pads_count_include_pad",
        "test_averagepool_2d_precomputed_strides",
        "test_averagepool_2d_strides",
        "test_basic_conv_with_padding",
        "test_basic_conv_without_padding",
        "test_batchnorm_epsilon",
        "test_batchnorm_example",
        "test_clip",
        "test_clip_default_inbounds",
        "test_clip_default_max",
        "test_clip_default_min",
        "test_clip_example",
        "test_clip_inbounds",
        "test_clip_outbounds",
        "test_clip_splitbounds",
        "test_concat_1d_axis_0",
        "test_concat_1d_axis_negative_1",
        "test_concat_2d_axis_0",
        "test_concat_2d_axis_1",
        "test_concat_2d_axis_negative_1",
        "test_concat_2d_axis_negative_2",
        "test_concat_3d_axis_0",
        "test_concat_3d_axis_1",
        "test_concat_3d_axis_2",
        "test_concat_3d_axis_negative_1",
        "test_concat_3d_axis_negative_2",
        "test_concat_3d_axis_negative_3",
        "test_constant_pad",
        "test_conv_with_strides_and_asymmetric_padding",
        "test_conv_with_strides_no_padding",
        "test_conv_with_strides_padding",
        "test_depthtospace_crd_mode",
        "test_depthtospace_crd_mode_example",
        "test_div",
        "test_div_bcast",
        "test_div_example",
        "test_dropout_default",
        "test_dropout_default_old",
        "test_dropout_default_ratio",
        "test_dropout_random_old",
        "test_elu",
        "test_elu_default",
        "test_elu_example",
        "test_erf",
        "test_expand_dim_changed",
        "test_expand_dim_unchanged",
        "test_flatten_axis0",
        "test_flatten_axis1",
        "test_flatten_axis2",
        "test_flatten_axis3",
        "test_flatten_default_axis",
        "test_flatten_negative_axis1",
        "test_flatten_negative_axis2",
        "test_flatten_negative_axis3",
        "test_flatten_negative_axis4",
        "test_gather_0",
        "test_gather_1",
        "test_gather_2d_indices",
        "test_gather_negative_indices",
        "test_gemm_alpha",
        "test_gemm_beta",
        "test_gemm_default_no_bias",
        "test_gemm_default_scalar_bias",
        "test_gemm_default_single_elem_vector_bias",
        "test_gemm_default_vector_bias",
        "test_gemm_default_zero_bias",
        "test_gemm_transposeB",
        "test_hardsigmoid",
        "test_hardsigmoid_default",
        "test_hardsigmoid_example",
        "test_hardswish",
        "test_identity",
        "test_leakyrelu",
        "test_leakyrelu_default",
        "test_leakyrelu_example",
        "test_matmul_2d",
        "test_matmul_3d",
        "test_matmul_4d",
        "test_maxpool_2d_ceil",
        "test_maxpool_2d_default",
        "test_maxpool_2d_dilations",
        "test_maxpool_2d_precomputed_pads",
        "test_maxpool_2d_precomputed_strides",
        "test_maxpool_2d_strides",
        "test_mul",
        "test_mul_bcast",
        "test_mul_example",
        "test_neg",
        "test_neg_example",
        "test_pow_bcast_scalar",
        "test_reduce_mean_default_axes_keepdims_example",
        "test_reduce_mean_default_axes_keepdims_random",
        "test_reduce_mean_do_not_keepdims_example",
        "test_reduce_mean_do_not_keepdims_random",
        "test_reduce_mean_keepdims_example",
        "test_reduce_mean_keepdims_random",
        "test_reduce_mean_negative_axes_keepdims_example",
        "test_reduce_mean_negative_axes_keepdims_random",
        "test_reduce_sum_default_axes_keepdims_example",
        "test_reduce_sum_default_axes_keepdims_random",
        "test_reduce_sum_do_not_keepdims_example",
        "test_reduce_sum_do_not_keepdims_random",
        "test_reduce_sum_empty_axes_input_noop_example",
        "test_reduce_sum_empty_axes_input_noop_random",
        "test_reduce_sum_keepdims_example",
        "test_reduce_sum_keepdims_random",
        "test_reduce_sum_negative_axes_keepdims_example",
        "test_reduce_sum_negative_axes_keepdims_random",
        "test_relu",
        "test_reshape_extended_dims",
        "test_reshape_negative_dim",
        "test_reshape_negative_extended_dims",
        "test_reshape_one_dim",
        "test_reshape_reduced_dims",
        "test_reshape_reordered_all_dims",
        "test_reshape_reordered_last_dims",
        "test_reshape_zero_and_negative_dim",
        "test_reshape_zero_dim",
        "test_selu_default",
        "test_sigmoid",
        "test_sigmoid_example",
        "test_slice",
        "test_slice_default_axes",
        "test_slice_default_steps",
        "test_slice_end_out_of_bounds",
        "test_slice_neg",
        "test_slice_neg_steps",
        "test_slice_negative_axes",
        "test_slice_start_out_of_bounds",
        "test_softmax_axis_0",
        "test_softmax_axis_1",
        "test_softmax_axis_2",
        "test_softmax_default_axis",
        "test_softmax_example",
        "test_softmax_large_number",
        "test_softmax_negative_axis",
        "test_sqrt",
        "test_sqrt_example",
        "test_squeeze",
        "test_squeeze_negative_axes",
        "test_sub",
        "test_sub_bcast",
        "test_sub_example",
        "test_tanh",
        "test_tanh_example",
        "test_transpose_all_permutations_0",
        "test_transpose_all_permutations_1",
        "test_transpose_all_permutations_2",
        "test_transpose_all_permutations_3",
        "test_transpose_all_permutations_4",
        "test_transpose_all_permutations_5",
        "test_transpose_default",
        "test_unsqueeze_axis_0",
        "test_unsqueeze_axis_1",
        "test_unsqueeze_axis_2",
        "test_unsqueeze_axis_3",
        "test_unsqueeze_negative_axes",
        "test_unsqueeze_three_axes",
        "test_unsqueeze_two_axes",
        "test_unsqueeze_unsorted_axes",
    ];

    /// <summary>Cases whose operator the importer takes but not with these attributes or inputs (SAME auto-padding, 1-D/3-D or over-padded pools, transA, DCR, non-standard SELU, PRelu slopes of other shapes, tensor exponents, training-mode Dropout, a declared size of 0).</summary>
    private static readonly string[] NotTaken =
    [
        "test_averagepool_1d_default",
        "test_averagepool_2d_pads",
        "test_averagepool_2d_pads_count_include_pad",
        "test_averagepool_2d_precomputed_same_upper",
        "test_averagepool_2d_same_lower",
        "test_averagepool_2d_same_upper",
        "test_averagepool_3d_default",
        "test_conv_with_autopad_same",
        "test_depthtospace_dcr_mode",
        "test_depthtospace_example",
        "test_gemm_all_attributes",
        "test_gemm_default_matrix_bias",
        "test_gemm_transposeA",
        "test_maxpool_1d_default",
        "test_maxpool_2d_pads",
        "test_maxpool_2d_precomputed_same_upper",
        "test_maxpool_2d_same_lower",
        "test_maxpool_2d_same_upper",
        "test_maxpool_3d_default",
        "test_pow",
        "test_pow_bcast_array",
        "test_pow_example",
        "test_pow_types_float32_int32",
        "test_pow_types_float32_int64",
        "test_pow_types_float32_uint32",
        "test_pow_types_float32_uint64",
        "test_pow_types_int",
        "test_prelu_broadcast",
        "test_prelu_example",
        "test_reshape_allowzero_reordered",
        "test_selu",
        "test_selu_example",
        "test_training_dropout",
        "test_training_dropout_default",
        "test_training_dropout_zero_ratio",
    ];

    public static TheoryData<string> All() => [.. Cases];

    public static TheoryData<string> Refused() => [.. NotTaken];

    [Theory]
    [MemberData(nameof(Refused))]
    public void Import_NodeCaseNotTaken_ThrowsNotSupportedNamingTheSource(string testCase)
    {
        using var stream = new MemoryStream(WithInitializers(Path.Combine(Root, testCase)).ToByteArray());

        Action act = () => OnnxImporter.Import(stream);

        act.Should().Throw<NotSupportedException>().WithMessage("OnnxImporter: 'stream': *");
    }

    [Theory]
    [MemberData(nameof(All))]
    public void Import_NodeCase_MatchesItsOutput(string testCase)
    {
        string folder = Path.Combine(Root, testCase);
        ModelProto model = WithInitializers(folder);
        Tensor x = ReadTensor(Path.Combine(folder, "test_data_set_0", "input_0.pb"));
        Tensor expected = ReadTensor(Path.Combine(folder, "test_data_set_0", "output_0.pb"));
        using var stream = new MemoryStream(model.ToByteArray());

        Module net = OnnxImporter.Import(stream);
        Tensor actual = net.Forward(x);

        output.WriteLine($"{testCase}: {net.GetType().Name}, max difference {actual.ToArray().Zip(expected.ToArray(), (a, e) => Math.Abs(a - e)).DefaultIfEmpty().Max():E2}");
        actual.Shape.ToArray().Should().Equal(expected.Shape.ToArray());
        actual.ToArray().Should().BeCloseTo(expected.ToArray(), atol: 1e-5, rtol: 1e-5);
    }

    /// <summary>The case's model with its inputs after the first turned into initializers holding the case's values.</summary>
    private static ModelProto WithInitializers(string folder)
    {
        ModelProto model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(folder, "model.onnx")));
        for (int i = model.Graph.Input.Count - 1; i >= 1; i--)
        {
            string data = Path.Combine(folder, "test_data_set_0", $"input_{i}.pb");
            ValueInfoProto input = model.Graph.Input[i];
            model.Graph.Input.RemoveAt(i);
            if (File.Exists(data))
            {
                TensorProto tensor = TensorProto.Parser.ParseFrom(File.ReadAllBytes(data));
                tensor.Name = input.Name;
                model.Graph.Initializer.Add(tensor);
            }
        }

        return model;
    }
}
