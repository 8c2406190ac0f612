namespace LeNet.Data;

/// <summary>A progress report of <see cref="MnistDownloader"/>: the stage, the file at hand and the bytes done.</summary>
/// <param name="Stage">What the downloader is doing.</param>
/// <param name="FileName">The file being hashed or extracted, or the package being fetched; <see langword="null"/> when none applies.</param>
/// <param name="BytesCompleted">The bytes hashed or extracted so far in this stage, over all four files; 0 while fetching.</param>
/// <param name="BytesTotal">The bytes of the four files together; 0 while fetching.</param>
public readonly record struct MnistDownloadProgress(MnistDownloadStage Stage, string? FileName, long BytesCompleted, long BytesTotal);
