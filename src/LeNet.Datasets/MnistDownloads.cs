namespace LeNet.Data;

/// <summary>
/// <see cref="Mnist"/>'s download: <c>Mnist.LoadOrDownloadAsync()</c>, a static extension member of this package (the
/// core LeNet package loads a folder, <see cref="Mnist.Load(string)"/>, and never fetches anything).
/// </summary>
public static class MnistDownloads
{
    extension(Mnist)
    {
        /// <summary>
        /// Loads MNIST from <paramref name="directory"/> when one is given (your own folder, Fashion-MNIST
        /// included; nothing is fetched), otherwise from <see cref="MnistDownloader"/>'s default cache folder,
        /// fetching and verifying the files there first if needed.
        /// </summary>
        /// <param name="directory">A folder with the four files, or <see langword="null"/> for the cache.</param>
        /// <param name="progress">Receives the downloader's reports (only when the cache is used).</param>
        /// <param name="cancellationToken">Stops the fetch.</param>
        /// <returns>The training and test splits.</returns>
        /// <exception cref="MnistDownloadException">The files could not be fetched; the message gives the manual steps.</exception>
        /// <exception cref="FileNotFoundException">A file is missing from <paramref name="directory"/>.</exception>
        /// <exception cref="InvalidDataException">A file is malformed.</exception>
        public static async Task<Mnist> LoadOrDownloadAsync(
            string? directory = null, IProgress<MnistDownloadProgress>? progress = null, CancellationToken cancellationToken = default)
        {
            string folder = directory ?? await new MnistDownloader().EnsureAsync(progress, cancellationToken).ConfigureAwait(false);
            return Mnist.Load(folder);
        }
    }
}
