// Set up before every test file (vitest.config.ts): the engine's gpu kernel takes its device from Dawn
// in this process, as the CLI's does (the engine loads no native module of its own).
import { useDawnDevices } from '../../main/lab/gpuHost.js';

useDawnDevices();
