using LeNet.IO;

namespace LeNet.Layers;

/// <summary>Saving and loading a model's parameters as safetensors, under PyTorch's state-dict names.</summary>
public sealed partial class Sequential
{
    /// <summary>
    /// Saves <see cref="StateDict"/> to a safetensors file (F32, PyTorch's names and order, metadata
    /// <c>format → pt</c>), atomically: a failure part-way leaves any previous file intact. PyTorch reads
    /// it with <c>net.load_state_dict(safetensors.torch.load_file(path))</c>.
    /// </summary>
    /// <param name="path">The file to create or replace; its folder must exist.</param>
    /// <exception cref="IOException">The file could not be written.</exception>
    public void Save(string path) =>
        SafeTensors.Write(path, StateDict(), new Dictionary<string, string> { ["format"] = "pt" });

    /// <summary>
    /// Loads parameters from a safetensors file, such as one PyTorch wrote with
    /// <c>safetensors.torch.save_file(net.state_dict(), path)</c>: the file is read and checked in full,
    /// then passed to <see cref="LoadStateDict"/>, so on any problem the model is left unchanged.
    /// F16, BF16 and F64 tensors are converted to float32.
    /// </summary>
    /// <param name="path">The safetensors file.</param>
    /// <param name="strict">When true, a missing or an unexpected key is an error; a shape mismatch always is.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid safetensors file; the message names the problem and the tensor.</exception>
    /// <exception cref="ArgumentException">The file's tensors do not fit the model (missing or unexpected key when strict, wrong shape); the message names every offending key.</exception>
    public void Load(string path, bool strict = true) => LoadStateDict(SafeTensors.Read(path), strict);
}
