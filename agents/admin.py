from django.contrib import admin

from agents.models import Agent, Team


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "leader"]
    search_fields = ["code", "name", "leader__username"]
    list_select_related = ["leader"]


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "team", "role", "user", "active"]
    list_filter = ["role", "active", "team"]
    search_fields = ["code", "name", "user__username"]
    list_select_related = ["team", "user"]
    filter_horizontal = ["processes"]
