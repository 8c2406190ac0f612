using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace LeNet.Web.Tests;

/// <summary>The app on a real Kestrel server at 127.0.0.1 and a free port, reachable by a browser or a raw socket.</summary>
public sealed class KestrelAppFactory : WebAppFactory
{
    public KestrelAppFactory() => UseKestrel(options => options.Listen(IPAddress.Loopback, 0));

    /// <summary>Starts the server if needed and returns its address, e.g. http://127.0.0.1:40123/.</summary>
    public Uri Address
    {
        get
        {
            StartServer();
            IServerAddressesFeature addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!;
            return new Uri(addresses.Addresses.Single());
        }
    }
}
