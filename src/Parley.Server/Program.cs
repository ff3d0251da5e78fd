using Parley.Server;

return await ParleyCommand.Build().Parse(args).InvokeAsync(new System.CommandLine.InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(15) }).ConfigureAwait(false);
