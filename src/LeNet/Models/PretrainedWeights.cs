using LeNet.IO;

namespace LeNet.Models;

/// <summary>Reads the pretrained weights embedded in the assembly (Models/Pretrained/*.safetensors).</summary>
internal static class PretrainedWeights
{
    public static string ResourceName(LeNetVariant variant) => variant switch
    {
        LeNetVariant.Classic => "LeNet.Models.Pretrained.lenet-classic.safetensors",
        _ => "LeNet.Models.Pretrained.lenet-modern.safetensors",
    };

    public static SafeTensorsFile Read(LeNetVariant variant)
    {
        string name = ResourceName(variant);
        using Stream stream = typeof(PretrainedWeights).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"LeNet: the pretrained weights '{name}' are missing from the assembly.");
        return SafeTensors.Read(stream);
    }
}
