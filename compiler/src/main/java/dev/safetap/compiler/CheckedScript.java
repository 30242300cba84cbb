package dev.safetap.compiler;

import dev.safetap.bytecode.MapDecl;
import java.util.List;
import java.util.Map;

/** A script that passed the type checker: its maps (ids in declaration order) and one plan per action. */
record CheckedScript(List<MapDecl> maps, Map<String, Integer> mapIds, List<ActionPlan> actions) {
}
