#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| kuvert_service::fuzzing::answers(data));
