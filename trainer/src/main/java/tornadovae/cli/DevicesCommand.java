package tornadovae.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import tornadovae.engine.Backends;

@Command(name = "devices", mixinStandardHelpOptions = true, description = "List the backends and TornadoVM devices this JVM can use.")
final class DevicesCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.out.printf("jvm      %d threads, Vector API%n", Runtime.getRuntime().availableProcessors());
        List<String> devices;
        try {
            devices = Backends.tornadoDevices();
        } catch (RuntimeException | LinkageError e) {
            System.out.println("tornado  unavailable: " + e.getMessage());
            return 0;
        }
        if (devices.isEmpty()) System.out.println("tornado  unavailable (no TornadoVM in this build or JVM; see tornado.env)");
        for (String d : devices) System.out.println("tornado  " + d);
        return 0;
    }
}
