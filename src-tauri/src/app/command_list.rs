// Included by build.rs and app/mod.rs (include!, hence no `//!`): every command the
// window may call, listed once, in the order the window's `Backend` interface
// declares them. Each name is a function of `commands.rs`.
//
// This file is read in two places: the crate (`app/mod.rs`), where the list becomes
// the invoke handler and `COMMANDS`; and `build.rs`, where it becomes the app
// manifest Tauri checks the capability file against. From there a test checks the
// capability file and `commands.rs`, and `types.ts` carries the names to the window,
// whose TypeScript checks `Backend`, the Tauri backend and the fake one against them.
// To add a command, see ARCHITECTURE.md ("Adding a window command").

/// Calls `$then!` with every window command's name.
macro_rules! with_window_commands {
    ($then:ident) => {
        $then! {
            sign_in,
            sign_out,
            current_user,
            known_users,
            roster,
            elder,
            record_visit,
            correct_visit,
            void_visit,
            resolve_follow_up,
            change_status,
            move_elder,
            set_tier,
            move_insurance_case,
            enrol_elder,
            update_profile,
            submit_id_number,
            resolve_conflict,
            rejected_changes,
            sync_now,
            sync_status,
            settings,
            save_settings,
            check_server,
            lock,
            unlock,
            is_locked,
            coverage,
            export_report,
            print_visit_record,
            print_round_list,
            alerts,
            warnings,
            close_alert,
            check_roster_file,
            apply_roster_file,
            handover,
            move_assistant,
            take_off_assistant,
        }
    };
}

/// The names, as text.
macro_rules! command_names {
    ($($command:ident),* $(,)?) => {
        &[$(stringify!($command)),*]
    };
}
