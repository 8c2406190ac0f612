using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using LeNet.Layers;

namespace LeNet.Tests;

/// <summary>
/// The core package runs models; it never starts a process nor opens an HTTP connection (those live in
/// LeNet.Datasets). Read from LeNet.dll's own metadata: the type and assembly references the compiler emitted.
/// </summary>
public class CoreBoundaryTests
{
    private static (List<string> Types, List<string> Assemblies) References(string path)
    {
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        MetadataReader reader = pe.GetMetadataReader();
        var types = reader.TypeReferences
            .Select(h => reader.GetTypeReference(h))
            .Select(t => reader.GetString(t.Namespace) + "." + reader.GetString(t.Name))
            .ToList();
        var assemblies = reader.AssemblyReferences
            .Select(h => reader.GetString(reader.GetAssemblyReference(h).Name))
            .ToList();
        return (types, assemblies);
    }

    [Fact]
    public void Core_assembly_references_no_process_and_no_http_client()
    {
        string core = typeof(Conv2d).Assembly.Location;
        Path.GetFileName(core).Should().Be("LeNet.dll");
        var (types, assemblies) = References(core);

        types.Should().NotBeEmpty();
        types.Should().Contain("System.Object", "the reader sees the type references");
        types.Should().NotContain(["System.Diagnostics.Process", "System.Diagnostics.ProcessStartInfo", "System.Net.Http.HttpClient", "System.Net.Http.HttpMessageHandler"]);
        assemblies.Should().NotContain(["System.Diagnostics.Process", "System.Net.Http", "System.Net.Primitives"]);
    }

    [Fact]
    public void Datasets_assembly_is_where_the_downloads_live()
    {
        // The same reader finds what it must not find in the core: the check above can fail.
        string datasets = typeof(LeNet.Data.MnistDownloader).Assembly.Location;
        Path.GetFileName(datasets).Should().Be("LeNet.Datasets.dll");
        var (types, assemblies) = References(datasets);

        types.Should().Contain(["System.Diagnostics.ProcessStartInfo", "System.Net.Http.HttpClient"]);
        assemblies.Should().Contain("LeNet");
    }
}
