package tornadovae.kernels.tornado;

import java.util.ArrayList;
import java.util.List;
import uk.ac.manchester.tornado.api.TornadoRuntime;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.runtime.TornadoRuntimeProvider;

/** TornadoVM's devices as the command line names them: "backendIndex:deviceIndex". */
final class TornadoDevices {
    private TornadoDevices() {}

    /** One line per TornadoVM device: "0:0 OpenCL / Portable Computing Language / cpu-haswell-... (CPU)". */
    static List<String> list() {
        TornadoRuntime rt = TornadoRuntimeProvider.getTornadoRuntime();
        List<String> lines = new ArrayList<>();
        for (int b = 0; b < rt.getNumBackends(); b++) {
            uk.ac.manchester.tornado.api.TornadoBackend backend = rt.getBackend(b);
            for (int d = 0; d < backend.getNumDevices(); d++) {
                TornadoDevice dev = backend.getDevice(d);
                lines.add(b + ":" + d + " " + backend.getName() + " / " + dev.getPlatformName().trim() + " / "
                        + name(dev) + " (" + dev.getDeviceType() + ")");
            }
        }
        return lines;
    }

    /** The hardware's name ("pthread-skylake-avx512-AMD EPYC"), not TornadoVM's ("opencl-0-0"). */
    static String name(TornadoDevice dev) {
        try {
            return dev.getPhysicalDevice().getDeviceName().trim();
        } catch (RuntimeException e) {
            return dev.getDeviceName().trim();
        }
    }

    static TornadoDevice resolve(String spec) {
        String[] parts = spec.trim().split(":");
        int b, d;
        try {
            if (parts.length != 2) throw new NumberFormatException();
            b = Integer.parseInt(parts[0]);
            d = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("device '" + spec + "' is not of the form backendIndex:deviceIndex (e.g. 0:0)");
        }
        TornadoRuntime rt = TornadoRuntimeProvider.getTornadoRuntime();
        if (b < 0 || b >= rt.getNumBackends() || d < 0 || d >= rt.getBackend(b).getNumDevices())
            throw new IllegalArgumentException("no TornadoVM device " + spec + "; the devices are: " + list());
        return rt.getBackend(b).getDevice(d);
    }
}
